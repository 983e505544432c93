"""Booking rules: eligibility, consent, cut-off, limits, cancellation, other people's data."""

from http import HTTPStatus
from urllib.parse import urlencode

import pytest
import time_machine

from bookings import services
from bookings.models import Booking, BookingEvent, Suspension
from terms.models import Consent
from terms.services import create_draft, publish_version
from tests.factories import (
    book,
    jst,
    make_counsellor,
    make_eligible,
    make_office,
    make_office_with_terms,
    make_slot,
)

pytestmark = pytest.mark.django_db
NOW = jst(2026, 11, 24, 15, 0)  # a Tuesday afternoon, Japan time


@pytest.fixture(autouse=True)
def frozen_time(freeze):
    freeze(NOW, language="en")


@pytest.fixture
def client(english_client):
    return english_client


@pytest.fixture
def office():
    return make_office_with_terms(
        slug="tomakomai-test",
        municipality_codes=["01213"],
        requires_job_seeker_number=True,
        requires_residence=True,
    )


@pytest.fixture
def slot(office, counsellor):
    return make_slot(office, counsellor, jst(2026, 11, 26, 10, 0))  # Thursday 10:00


def apply(user, office, slot, **extra):
    return book(office, user, slot, **extra)


def test_an_eligible_person_books_and_is_confirmed_at_once(alice, office, slot):
    booking = apply(alice, office, slot)
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.seat == 1
    assert list(booking.events.values_list("action", flat=True)) == ["requested", "confirmed"]
    assert alice.messages.filter(kind="booking_confirmed").count() == 1


def test_an_office_that_judges_each_request_gets_a_request(alice, office, slot, counsellor):
    office.requires_counsellor_confirmation = True
    office.save()
    booking = apply(alice, office, slot)
    assert booking.status == Booking.Status.REQUESTED
    services.confirm_booking(booking=booking, actor=counsellor.user)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert BookingEvent.objects.filter(booking=booking, action="confirmed").get().actor == (
        counsellor.user
    )


def test_applying_counts_as_consent_and_is_recorded_as_such(make_user, office, slot):
    bob = make_eligible(make_user("bob@example.jp"), office, consent=False)
    version = office.terms_documents.get().versions.get()
    apply(bob, office, slot, acknowledged_versions={version.pk}, ip_address="203.0.113.9")
    consent = Consent.objects.get(user=bob, version=version)
    assert consent.method == Consent.Method.DEEMED_BY_BOOKING
    assert consent.ip_address == "203.0.113.9"


def test_no_booking_without_consent_to_the_version_in_force(make_user, office, slot):
    bob = make_eligible(make_user("bob@example.jp"), office, consent=False)
    with pytest.raises(services.BookingError, match="agree to the terms"):
        apply(bob, office, slot)
    assert not Booking.objects.exists() and not Consent.objects.exists()


def test_a_revision_must_be_read_before_booking(alice, office, slot):
    document = office.terms_documents.get()
    draft = create_draft(document=document, text="## 第1条\n\n改定しました。\n", change_summary="x")
    v2 = publish_version(version=draft)
    with pytest.raises(services.BookingError, match="terms of use have changed"):
        apply(alice, office, slot, acknowledged_versions={v2.pk})
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"job_seeker_number": ""}, "job_seeker_number"),
        ({"municipality_code": "13202"}, "residence"),
        ({"phone": ""}, "profile"),
        ({"environment_confirmed_at": None}, "environment"),
    ],
)
def test_each_failed_rule_refuses_the_booking_and_writes_nothing(alice, office, slot, change, code):
    profile = alice.profile
    for name, value in change.items():
        setattr(profile, name, value)
    profile.save()
    alice._cached_profile = None
    with pytest.raises(services.BookingError) as refused:
        apply(alice, office, slot)
    assert refused.value.code == code
    assert not Booking.objects.exists()


def test_a_suspended_person_cannot_book(alice, office, slot):
    Suspension.objects.create(user=alice, office=office, reason="禁止事項に該当")
    with pytest.raises(services.BookingError) as refused:
        apply(alice, office, slot)
    assert refused.value.code == "suspended"


def test_an_office_of_issued_accounts_refuses_others(alice, office, slot):
    office.requires_issued_account = True
    office.save()
    with pytest.raises(services.BookingError) as refused:
        apply(alice, office, slot)
    assert refused.value.code == "issued_account"


def test_a_slot_of_another_office_is_refused(alice, office):
    other = make_office(slug="elsewhere")
    theirs = make_slot(other, make_counsellor(other), jst(2026, 11, 26, 10, 0))
    with pytest.raises(services.BookingError) as refused:
        apply(alice, office, theirs)
    assert refused.value.code == "other_office"
    assert not Booking.objects.exists()


def test_a_cancelled_slot_is_refused(alice, office, slot):
    slot.cancelled_at = NOW
    slot.save()
    with pytest.raises(services.BookingError) as refused:
        apply(alice, office, slot)
    assert refused.value.code == "cancelled"


def test_booking_closes_at_the_end_of_the_previous_day(alice, office, slot):
    with time_machine.travel(jst(2026, 11, 25, 23, 59, 59), tick=False):
        assert apply(alice, office, slot).status == Booking.Status.CONFIRMED


def test_booking_is_refused_from_midnight_of_the_day(alice, office, slot):
    with (
        time_machine.travel(jst(2026, 11, 26, 0, 0), tick=False),
        pytest.raises(services.BookingError) as refused,
    ):
        apply(alice, office, slot)
    assert refused.value.code == "closed"
    assert not Booking.objects.exists()


def test_one_open_booking_per_office_by_default(alice, office, slot, counsellor):
    apply(alice, office, slot)
    later = make_slot(office, counsellor, jst(2026, 11, 27, 10, 0))
    with pytest.raises(services.BookingError) as refused:
        apply(alice, office, later)
    assert refused.value.code == "limit"


def test_a_person_cancels_up_to_the_start(alice, office, slot):
    booking = apply(alice, office, slot)
    services.cancel_booking(booking=booking, actor=alice)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert alice.messages.filter(kind="booking_cancelled").exists()


def test_a_person_cannot_cancel_after_the_start(alice, office, slot):
    booking = apply(alice, office, slot)
    with time_machine.travel(slot.starts_at, tick=False), pytest.raises(services.BookingError):
        services.cancel_booking(booking=booking, actor=alice)
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


def test_staff_cancel_on_behalf_only_with_a_reason_and_it_is_logged(
    alice, office, slot, counsellor
):
    booking = apply(alice, office, slot)
    with pytest.raises(services.BookingError):
        services.cancel_booking(booking=booking, actor=counsellor.user, on_behalf=True)
    services.cancel_booking(
        booking=booking, actor=counsellor.user, reason="電話で連絡あり", on_behalf=True
    )
    event = BookingEvent.objects.get(booking=booking, action="cancelled_by_staff")
    assert event.actor == counsellor.user and event.note == "電話で連絡あり"


def test_a_follow_up_booked_by_the_counsellor_is_confirmed_at_once(alice, office, slot, counsellor):
    next_week = make_slot(office, counsellor, jst(2026, 12, 3, 10, 0))
    booking = services.book_follow_up(
        counsellor_user=counsellor.user, user=alice, slot_id=next_week.pk, note="次回"
    )
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.booked_by == counsellor.user
    assert BookingEvent.objects.filter(booking=booking, action="follow_up_booked").exists()


# --- through the web ---------------------------------------------------------------------


def post_booking(client, office, slot, **extra):
    data = {
        "full_name": "山田 花子",
        "full_name_kana": "やまだ はなこ",
        "job_seeker_number": "０１２３４ー５６７８９０１",
        **extra,
    }
    return client.post(f"/offices/{office.slug}/book/{slot.pk}/", data)


def test_the_form_books_and_normalises_what_was_typed(client, alice, office, slot):
    client.force_login(alice)
    response = post_booking(client, office, slot)
    booking = Booking.objects.get()
    assert response["Location"] == f"/me/bookings/{booking.pk}/"
    assert booking.full_name_kana == "ヤマダ ハナコ"
    assert booking.job_seeker_number == "01234-5678901"
    assert booking.phone.as_national == "090-1234-5678"


@pytest.mark.parametrize(
    "number", ["1234-5678", "12345-123", "abcde-12345", "12345-123456789", "１２３"]
)
def test_a_malformed_job_seeker_number_is_refused_with_a_message(
    client, alice, office, slot, number
):
    client.force_login(alice)
    response = post_booking(client, office, slot, job_seeker_number=number)
    assert response.status_code == HTTPStatus.OK
    assert "12345-67890123" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_replayed_post_after_a_booking_does_not_book_twice(client, alice, office, slot):
    client.force_login(alice)
    post_booking(client, office, slot)
    response = post_booking(client, office, slot)
    assert response.status_code == HTTPStatus.FOUND
    assert Booking.objects.count() == 1


def test_a_post_after_the_cut_off_is_refused_with_a_message(client, alice, office, slot):
    client.force_login(alice)
    with time_machine.travel(jst(2026, 11, 26, 0, 1), tick=False):
        response = post_booking(client, office, slot)
        followed = client.get(response["Location"])
    assert "Booking for this slot has closed" in followed.content.decode()
    assert not Booking.objects.exists()


def test_a_post_for_another_offices_slot_is_refused_with_a_message(client, alice, office):
    other = make_office(slug="elsewhere")
    theirs = make_slot(other, make_counsellor(other), jst(2026, 11, 26, 10, 0))
    client.force_login(alice)
    response = post_booking(client, office, theirs)
    assert "does not belong to this office" in client.get(response["Location"]).content.decode()
    assert not Booking.objects.exists()


def test_an_ineligible_person_is_sent_to_the_missing_step_with_the_reason(
    client, make_user, office, slot
):
    carol = make_user("carol@example.jp")
    client.force_login(carol)
    response = post_booking(client, office, slot)
    book_path = f"/offices/tomakomai-test/book/{slot.pk}/"
    assert response["Location"] == "/me/profile/?" + urlencode({"next": book_path})
    page = client.get(response["Location"]).content.decode()
    assert "Your name, its reading in katakana and your phone number are needed." in page
    assert not Booking.objects.exists()


def test_another_persons_booking_answers_404_for_every_url_and_method(
    client, make_user, alice, office, slot
):
    booking = apply(alice, office, slot)
    client.force_login(make_user("mallory@example.jp"))
    for url in (f"/me/bookings/{booking.pk}/", f"/me/bookings/{booking.pk}/cancel/"):
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND
        assert client.post(url).status_code in (HTTPStatus.NOT_FOUND, HTTPStatus.METHOD_NOT_ALLOWED)
    assert client.post(f"/me/bookings/{booking.pk}/cancel/").status_code == HTTPStatus.NOT_FOUND
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


def test_cancelling_asks_for_confirmation_first(client, alice, office, slot):
    booking = apply(alice, office, slot)
    client.force_login(alice)
    page = client.get(f"/me/bookings/{booking.pk}/cancel/")
    assert page.status_code == HTTPStatus.OK
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED
    client.post(f"/me/bookings/{booking.pk}/cancel/")
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED


def test_my_page_lists_upcoming_bookings_with_their_status(client, alice, office, slot):
    apply(alice, office, slot)
    client.force_login(alice)
    html = client.get("/me/").content.decode()
    assert "Confirmed" in html and "Thu, 26 November 2026, 10:00" in html


def test_the_office_page_explains_eligibility_per_rule(client, make_user, office, slot):
    dave = make_user("dave@example.jp")
    client.force_login(dave)
    html = client.get("/offices/tomakomai-test/").content.decode()
    for reason in (
        "Your name, its reading in katakana",
        "needs your job-seeker number",
        "serves people who live in its area",
        "confirm that your device and connection are ready",
    ):
        assert reason in html
    assert "/me/profile/?next=/offices/tomakomai-test/" in html


def test_the_office_page_lists_free_slots_and_hides_closed_and_full_ones(
    client, alice, office, counsellor, slot
):
    tomorrow = make_slot(office, counsellor, jst(2026, 11, 25, 10, 0))  # closes tonight: open
    today = make_slot(office, counsellor, jst(2026, 11, 24, 16, 0))  # today: closed
    taken = make_slot(office, counsellor, jst(2026, 11, 27, 10, 0))
    apply(alice, office, taken)
    html = client.get("/offices/tomakomai-test/").content.decode()
    assert f"/book/{slot.pk}/" in html
    assert f"/book/{tomorrow.pk}/" in html
    assert f"/book/{today.pk}/" not in html
    assert f"/book/{taken.pk}/" not in html


def test_a_bad_week_parameter_shows_the_first_week(client, office, slot):
    for week in ("nonsense", "2026-02-30", "1999-01-01", "9999-12-31"):
        response = client.get(f"/offices/tomakomai-test/?week={week}")
        assert response.status_code == HTTPStatus.OK


def test_the_htmx_week_switch_returns_only_the_slot_list(client, office, slot):
    response = client.get(
        "/offices/tomakomai-test/?week=2026-11-23", headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="slots"')
    assert "<html" not in html
    assert f"/book/{slot.pk}/" in html
