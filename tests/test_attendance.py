"""Attendance, the 10-minute no-show rule, restrictions, immediate consultations."""

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.utils import timezone, translation

from accounts.messages import render_message
from accounts.models import Message, Profile
from bookings import selectors, services
from bookings.models import Booking, BookingEvent
from terms.models import Consent
from terms.services import create_draft, publish_version
from tests import factories
from tests.factories import (
    jst,
    make_confirmed_booking,
    make_eligible,
    make_office_with_terms,
    make_slot,
)

pytestmark = pytest.mark.django_db
START = jst(2026, 11, 26, 10, 0)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def office():
    return make_office_with_terms(
        slug="k", municipality_codes=["01213"], meeting_provider="jitsi", booking_limit=10
    )


def book(person, office, slot) -> Booking:
    with time_machine.travel(jst(2026, 11, 20, 12, 0), tick=False):
        return factories.book(office, person, slot)


@pytest.fixture
def booking(alice, office, counsellor):
    return book(alice, office, make_slot(office, counsellor, START))


def status_of(booking) -> str:
    return Booking.objects.get(pk=booking.pk).status


def test_nine_minutes_fifty_nine_after_the_start_the_booking_stays(booking):
    with time_machine.travel(START + dt.timedelta(minutes=9, seconds=59), tick=False):
        assert services.sweep_no_shows() == 0
    assert status_of(booking) == Booking.Status.CONFIRMED


def test_ten_minutes_after_the_start_it_is_cancelled_as_a_no_show(booking):
    with time_machine.travel(START + dt.timedelta(minutes=10), tick=False):
        assert services.sweep_no_shows() == 1
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert booking.no_show_at == START + dt.timedelta(minutes=10)
    notice = booking.user.messages.get(kind=Message.Kind.NO_SHOW)
    assert "10分" in render_message(notice).subject
    assert BookingEvent.objects.filter(booking=booking, action="no_show").count() == 1


def test_the_sweep_run_twice_or_late_cancels_once_and_tells_once(booking):
    with time_machine.travel(START + dt.timedelta(minutes=45), tick=False):
        assert services.sweep_no_shows() == 1
        assert services.sweep_no_shows() == 0
    assert booking.user.messages.filter(kind=Message.Kind.NO_SHOW).count() == 1


@pytest.mark.parametrize("mark", ["join", "started", "contacted"])
def test_a_join_a_start_or_a_phone_call_keeps_the_booking(booking, counsellor, mark):
    with time_machine.travel(START + dt.timedelta(minutes=3), tick=False):
        if mark == "join":
            services.record_join(booking=booking)
        else:
            services.record(booking=booking, mark=mark, actor=counsellor.user)
    with time_machine.travel(START + dt.timedelta(minutes=11), tick=False):
        assert services.sweep_no_shows() == 0
    assert status_of(booking) == Booking.Status.CONFIRMED


def test_the_sweep_invalidates_the_room(booking):
    with time_machine.travel(START - dt.timedelta(hours=1), tick=False):
        services.issue_room(booking_id=booking.pk)
    with time_machine.travel(START + dt.timedelta(minutes=10), tick=False):
        services.sweep_no_shows()
    assert booking.rooms.get().invalidated_at is not None


def test_a_counsellor_undoes_a_no_show_only_with_a_reason(booking, counsellor):
    with time_machine.travel(START + dt.timedelta(minutes=10), tick=False):
        services.sweep_no_shows()
    with pytest.raises(services.BookingError):
        services.undo_no_show(booking=booking, actor=counsellor.user, reason=" ")
    services.undo_no_show(booking=booking, actor=counsellor.user, reason="電話があった")
    assert status_of(booking) == Booking.Status.CONFIRMED
    event = BookingEvent.objects.get(booking=booking, action="no_show_undone")
    assert (event.actor, event.note) == (counsellor.user, "電話があった")


def no_show(person, office, counsellor, when):
    """A past booking that the sweep cancelled as a no-show."""
    return Booking.objects.create(
        slot=make_slot(office, counsellor, when),
        user=person,
        status=Booking.Status.NO_SHOW,
        no_show_at=when + dt.timedelta(minutes=10),
        full_name="山田 花子",
        full_name_kana="ヤマダ ハナコ",
        phone="090-1234-5678",
    )


def test_the_policy_restricts_after_two_no_shows_in_ninety_days_and_staff_can_lift_it(
    alice, office, counsellor
):
    office.no_show_limit, office.no_show_window_days = 2, 90
    office.save()
    now = jst(2026, 11, 24, 12, 0)
    no_show(alice, office, counsellor, now - dt.timedelta(days=95))  # outside the window
    no_show(alice, office, counsellor, now - dt.timedelta(days=30))
    with time_machine.travel(now, tick=False):
        assert "no_show" not in {r.code for r in selectors.refusals(alice, office)}
    no_show(alice, office, counsellor, now - dt.timedelta(days=2))
    with time_machine.travel(now, tick=False):
        codes = {r.code for r in selectors.refusals(alice, office)}
        assert "no_show" in codes
        assert [r["email"] for r in selectors.restricted_users(office)] == ["alice@example.jp"]
        with pytest.raises(services.BookingError):
            services.lift_restriction(office=office, user=alice, actor=counsellor.user, reason="")
        services.lift_restriction(
            office=office, user=alice, actor=counsellor.user, reason="事情を確認した"
        )
        assert "no_show" not in {r.code for r in selectors.refusals(alice, office)}
        assert selectors.restricted_users(office) == []


def test_the_office_page_explains_the_restriction_with_the_phone(client, alice, office, counsellor):
    office.no_show_limit = 1
    office.save()
    no_show(alice, office, counsellor, timezone.now() - dt.timedelta(days=1))
    client.force_login(alice)
    client.cookies["django_language"] = "en"
    html = client.get("/offices/k/").content.decode()
    assert "Online booking at this office is restricted" in html
    assert "0144-32-5221" in html


# --- immediate consultations -------------------------------------------------------------


def test_an_immediate_consultation_needs_consent_on_record(make_user, office, counsellor):
    bob = make_eligible(make_user("bob@example.jp"), office, consent=False)
    with pytest.raises(services.BookingError) as refused:
        services.start_immediate_consultation(counsellor=counsellor, user=bob)
    assert refused.value.code == "terms"
    assert not Booking.objects.exists()


def test_an_immediate_consultation_is_confirmed_now_for_thirty_minutes(alice, counsellor):
    booking = services.start_immediate_consultation(counsellor=counsellor, user=alice)
    assert booking.status == Booking.Status.CONFIRMED and booking.is_immediate
    assert booking.slot.ends_at - booking.slot.starts_at == dt.timedelta(minutes=30)
    assert booking.booked_by == counsellor.user


def test_revised_terms_come_first_then_the_access_code(client, alice, office, counsellor):
    document = office.terms_documents.get()
    v2 = publish_version(
        version=create_draft(document=document, text="## 第1条\n\n改定。\n", change_summary="改定")
    )
    booking = services.start_immediate_consultation(counsellor=counsellor, user=alice)
    services.issue_room(booking_id=booking.pk)
    assert selectors.access_code_for(booking=booking, user=alice) == "consent"
    client.force_login(alice)
    my_page = client.get("/me/").content.decode()
    assert f"/offices/k/terms/?next=/me/bookings/{booking.pk}/" in my_page
    response = client.post(
        "/offices/k/terms/consent/",
        {"version": v2.pk, "agree": "on", "next": f"/me/bookings/{booking.pk}/"},
    )
    assert response["Location"] == f"/me/bookings/{booking.pk}/"
    consent = Consent.objects.get(user=alice, version=v2)
    assert consent.method == Consent.Method.RECONSENT_IMMEDIATE
    assert isinstance(selectors.access_code_for(booking=booking, user=alice), selectors.AccessCode)


def test_a_recent_phone_change_blocks_an_immediate_consultation(alice, counsellor, settings):
    settings.IMMEDIATE_PHONE_LOCK_HOURS = 24
    Profile.objects.filter(user=alice).update(
        phone_changed_at=timezone.now() - dt.timedelta(hours=2)
    )
    alice._cached_profile = None
    with pytest.raises(services.BookingError) as refused:
        services.start_immediate_consultation(counsellor=counsellor, user=alice)
    assert refused.value.code == "phone_changed"
    assert "changed recently" in refused.value.message
    Profile.objects.filter(user=alice).update(
        phone_changed_at=timezone.now() - dt.timedelta(hours=25)
    )
    alice._cached_profile = None
    services.start_immediate_consultation(counsellor=counsellor, user=alice)


def test_the_phone_cannot_change_while_an_immediate_consultation_is_pending(
    client, alice, counsellor
):
    services.start_immediate_consultation(counsellor=counsellor, user=alice)
    client.force_login(alice)
    client.cookies["django_language"] = "en"
    data = {
        "family_name": "山田",
        "given_name": "花子",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "ハナコ",
        "phone": "080-9999-0000",
        "postal_code": "053-0000",
        "job_seeker_number": "01234-5678901",
    }
    response = client.post("/me/profile/", data)
    assert response.status_code == HTTPStatus.OK
    assert "cannot be changed while an immediate consultation is pending" in (
        response.content.decode()
    )
    assert Profile.objects.get(user=alice).phone.as_national == "090-1234-5678"


def test_a_changed_phone_is_stamped(client, alice):
    client.force_login(alice)
    client.post(
        "/me/profile/",
        {
            "family_name": "山田",
            "given_name": "花子",
            "family_name_kana": "ヤマダ",
            "given_name_kana": "ハナコ",
            "phone": "080-9999-0000",
            "postal_code": "053-0000",
            "job_seeker_number": "01234-5678901",
        },
    )
    profile = Profile.objects.get(user=alice)
    assert profile.phone.as_national == "080-9999-0000"
    assert profile.phone_changed_at is not None
    assert abs(profile.phone_changed_at - timezone.now()) < dt.timedelta(seconds=30)


def test_an_immediate_consultation_closes_a_free_slot_at_that_time(
    alice, office, counsellor, make_user
):
    now = timezone.now().replace(second=0, microsecond=0)
    free = make_slot(office, counsellor, now - dt.timedelta(minutes=10))
    services.start_immediate_consultation(counsellor=counsellor, user=alice)
    free.refresh_from_db()
    assert free.cancelled_at is not None


def test_an_immediate_consultation_is_refused_during_a_booked_consultation(
    alice, office, counsellor, make_user
):
    now = timezone.now().replace(second=0, microsecond=0)
    busy = make_slot(office, counsellor, now - dt.timedelta(minutes=10))
    make_confirmed_booking(busy, make_user("other@example.jp"))
    with pytest.raises(services.BookingError) as refused:
        services.start_immediate_consultation(counsellor=counsellor, user=alice)
    assert refused.value.code == "overlap"
