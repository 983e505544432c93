"""The waiting list (キャンセル待ち) of a full session: joining, one entry per person and
the place in the queue; a freed seat offered to the first person waiting, held for them
(nobody else takes it), accepted, declined or expired (then offered to the next), never
past the booking cut-off; the periodic sweep; closing a list; the pages and the admin."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.messages import render_message
from accounts.models import Message
from bookings import selectors, services
from bookings.errors import BookingError
from bookings.models import Booking, Office, SessionKind, Slot, WaitingEntry
from bookings.selectors.waiting import position_of
from bookings.services.waiting_offers import sweep_waiting_lists_task
from terms.models import Consent
from tests.factories import (
    book,
    jst,
    make_eligible,
    make_office_with_terms,
    make_slot,
    make_staff,
    publish_historical,
)
from tests.support.staff import sign_in_staff

pytestmark = pytest.mark.django_db

NOW = jst(2026, 11, 24, 15, 0)  # a Tuesday
STARTS = jst(2026, 11, 26, 10, 0)  # Thursday: booking closes at the end of Wednesday
CUT_OFF = jst(2026, 11, 26, 0, 0)


@pytest.fixture
def office():
    return make_office_with_terms(slug="itami-test", municipality_codes=["01213"], booking_limit=10)


@pytest.fixture
def people(office, make_user):
    """Six eligible people of the office: p0 and p1 hold the session's two seats."""
    return [make_eligible(make_user(f"p{n}@example.jp"), office) for n in range(6)]


def make_session(office, counsellor, *, capacity: int = 2, starts_at=STARTS) -> Slot:
    slot = make_slot(office, counsellor, starts_at, capacity=capacity, minutes=60)
    slot.kind = SessionKind.SESSION
    slot.title, slot.title_en = "就職活動セミナー", "Job-search seminar"
    slot.save()
    return slot


@pytest.fixture
def session(office, counsellor, people, freeze):
    """A full seminar of two seats (p0 and p1 booked), on Tuesday afternoon."""
    freeze(NOW)
    slot = make_session(office, counsellor)
    for person in people[:2]:
        book(office, person, slot)
    return slot


def join(office, person, slot) -> WaitingEntry:
    return services.join_waiting_list(user=person, office=office, slot_id=slot.pk)


def entry_of(person, slot) -> WaitingEntry:
    return WaitingEntry.objects.get(user=person, slot=slot)


def cancel_seat(slot, person, django_capture_on_commit_callbacks) -> None:
    booking = Booking.objects.get(slot=slot, user=person, status__in=Booking.ACTIVE)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(booking=booking, actor=person)


def messages_of(person, kind) -> list[Message]:
    return list(Message.objects.filter(user=person, kind=kind).order_by("pk"))


# --- joining -----------------------------------------------------------------------------


def test_people_join_a_full_session_in_turn_and_see_their_place(office, session, people):
    first = join(office, people[2], session)
    second = join(office, people[3], session)
    assert (position_of(first), position_of(second)) == (1, 2)
    assert first.status == WaitingEntry.Status.WAITING


def test_nobody_joins_the_waiting_list_of_a_session_with_a_free_seat(
    office, counsellor, people, freeze
):
    freeze(NOW)
    slot = make_session(office, counsellor)
    book(office, people[0], slot)
    with pytest.raises(BookingError) as refused:
        join(office, people[2], slot)
    assert refused.value.code == "seats_free"
    assert not WaitingEntry.objects.exists()


def test_one_entry_per_person_and_none_for_a_person_holding_a_seat(office, session, people):
    join(office, people[2], session)
    with pytest.raises(BookingError) as twice:
        join(office, people[2], session)
    assert twice.value.code == "duplicate"
    with pytest.raises(BookingError) as booked:
        join(office, people[0], session)
    assert booked.value.code == "duplicate"
    assert WaitingEntry.objects.filter(slot=session).count() == 1


def test_a_consultation_slot_has_no_waiting_list(office, counsellor, people, freeze):
    freeze(NOW)
    slot = make_slot(office, counsellor, STARTS)
    book(office, people[0], slot)
    with pytest.raises(BookingError) as refused:
        join(office, people[1], slot)
    assert refused.value.code == "no_waiting_list"


def test_a_person_who_may_not_book_may_not_join(office, session, people, make_user):
    stranger = make_user("stranger@example.jp")  # no profile, no consent
    with pytest.raises(BookingError):
        join(office, stranger, session)
    assert not WaitingEntry.objects.exists()


def test_nobody_joins_after_the_booking_cut_off(office, session, people, freeze):
    freeze(CUT_OFF)
    with pytest.raises(BookingError) as refused:
        join(office, people[2], session)
    assert refused.value.code == "closed"


def test_leaving_moves_the_people_behind_up(office, session, people):
    first = join(office, people[2], session)
    second = join(office, people[3], session)
    services.leave_waiting_list(entry_id=first.pk, user=people[2])
    assert entry_of(people[2], session).status == WaitingEntry.Status.LEFT
    assert position_of(second) == 1
    with pytest.raises(BookingError):
        services.leave_waiting_list(entry_id=first.pk, user=people[2])


# --- a seat frees: the offer ---------------------------------------------------------------


def test_a_cancellation_offers_the_seat_to_the_first_person_waiting(
    office, session, people, django_capture_on_commit_callbacks
):
    join(office, people[2], session)
    join(office, people[3], session)
    mail.outbox.clear()
    cancel_seat(session, people[0], django_capture_on_commit_callbacks)

    first, second = entry_of(people[2], session), entry_of(people[3], session)
    assert first.status == WaitingEntry.Status.OFFERED
    assert first.offered_at == NOW
    assert first.offer_expires_at == NOW + dt.timedelta(hours=24)  # the office's default
    assert second.status == WaitingEntry.Status.WAITING
    (offer,) = messages_of(people[2], Message.Kind.WAITING_OFFER)
    assert offer.link == reverse("waiting_offer", args=[office.slug, first.pk])
    assert offer.params["office_id"] == office.pk
    subject, body = render_message(offer)
    assert "キャンセル待ち" in subject and "就職活動セミナー" in body
    assert "2026年11月25日（水）15:00まで" in body
    assert not messages_of(people[3], Message.Kind.WAITING_OFFER)
    # The e-mail that says a message is waiting: a link only.
    notices = [m for m in mail.outbox if m.to == [people[2].email]]
    assert len(notices) == 1
    assert f"/me/messages/{offer.pk}/" in notices[0].body


def test_a_staff_decline_of_a_request_offers_the_seat_too(
    office, session, people, django_capture_on_commit_callbacks
):
    booking = Booking.objects.get(slot=session, user=people[1])
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.REQUESTED)
    join(office, people[2], session)
    with django_capture_on_commit_callbacks(execute=True):
        services.decline_booking(booking=booking, actor=None, reason="定員の調整のため")
    assert entry_of(people[2], session).status == WaitingEntry.Status.OFFERED


def test_while_the_offer_stands_nobody_else_takes_the_seat(
    office, session, people, django_capture_on_commit_callbacks
):
    join(office, people[2], session)
    join(office, people[3], session)
    cancel_seat(session, people[0], django_capture_on_commit_callbacks)

    # Someone outside the list, and the second person waiting, are refused the seat.
    for person in (people[4], people[3]):
        with pytest.raises(BookingError) as refused:
            book(office, person, session)
        assert refused.value.code == "waiting_list"
    # The office's list of free times does not show it either.
    free = selectors.free_slots(office, NOW, STARTS + dt.timedelta(days=1), NOW)
    assert session not in list(free)
    assert Booking.objects.filter(slot=session, status__in=Booking.ACTIVE).count() == 1


def test_a_freed_seat_is_not_taken_before_the_offer_is_made(office, session, people):
    """Between the cancellation's commit and the offer (or if the offer is lost), the
    seat still belongs to the people waiting."""
    join(office, people[2], session)
    booking = Booking.objects.get(slot=session, user=people[0])
    services.cancel_booking(booking=booking, actor=people[0])  # on-commit not run here
    assert entry_of(people[2], session).status == WaitingEntry.Status.WAITING
    with pytest.raises(BookingError) as refused:
        book(office, people[4], session)
    assert refused.value.code == "waiting_list"
    # The sweep makes the offer that was missed.
    assert services.sweep_waiting_lists() == 1
    assert entry_of(people[2], session).status == WaitingEntry.Status.OFFERED


def test_accepting_books_the_seat(office, session, people, django_capture_on_commit_callbacks):
    join(office, people[2], session)
    cancel_seat(session, people[0], django_capture_on_commit_callbacks)
    entry = entry_of(people[2], session)

    booking = services.accept_offer(entry_id=entry.pk, user=people[2])

    assert booking.status == Booking.Status.CONFIRMED
    assert booking.slot == session
    assert booking.full_name == "山田 花子"
    entry.refresh_from_db()
    assert entry.status == WaitingEntry.Status.BOOKED
    assert entry.booking == booking
    assert Booking.objects.filter(slot=session, status__in=Booking.ACTIVE).count() == 2
    with pytest.raises(BookingError) as again:
        services.accept_offer(entry_id=entry.pk, user=people[2])
    assert again.value.code == "state"


def test_declining_offers_the_seat_to_the_next_person(
    office, session, people, django_capture_on_commit_callbacks
):
    join(office, people[2], session)
    join(office, people[3], session)
    cancel_seat(session, people[0], django_capture_on_commit_callbacks)

    services.decline_offer(entry_id=entry_of(people[2], session).pk, user=people[2])

    assert entry_of(people[2], session).status == WaitingEntry.Status.DECLINED
    assert entry_of(people[3], session).status == WaitingEntry.Status.OFFERED
    assert len(messages_of(people[3], Message.Kind.WAITING_OFFER)) == 1


def test_leaving_with_an_offer_hands_it_on(
    office, session, people, django_capture_on_commit_callbacks
):
    join(office, people[2], session)
    join(office, people[3], session)
    cancel_seat(session, people[0], django_capture_on_commit_callbacks)
    services.leave_waiting_list(entry_id=entry_of(people[2], session).pk, user=people[2])
    assert entry_of(people[3], session).status == WaitingEntry.Status.OFFERED


def test_an_offer_expires_and_the_seat_goes_to_the_next_person(
    office, session, people, freeze, django_capture_on_commit_callbacks
):
    join(office, people[2], session)
    join(office, people[3], session)
    cancel_seat(session, people[0], django_capture_on_commit_callbacks)
    first = entry_of(people[2], session)

    freeze(NOW + dt.timedelta(hours=23, minutes=59))
    assert services.sweep_waiting_lists() == 0  # still standing
    assert entry_of(people[2], session).status == WaitingEntry.Status.OFFERED

    freeze(NOW + dt.timedelta(hours=24))
    # Too late to accept, even before the sweep has run.
    with pytest.raises(BookingError) as late:
        services.accept_offer(entry_id=first.pk, user=people[2])
    assert late.value.code == "expired"

    sweep_waiting_lists_task()  # the periodic job, as beat runs it

    assert entry_of(people[2], session).status == WaitingEntry.Status.EXPIRED
    assert len(messages_of(people[2], Message.Kind.WAITING_OFFER_EXPIRED)) == 1
    second = entry_of(people[3], session)
    assert second.status == WaitingEntry.Status.OFFERED
    assert second.offer_expires_at == CUT_OFF  # 24 hours would pass the cut-off
    # Run again: nothing more happens.
    assert services.sweep_waiting_lists() == 0
    assert Message.objects.filter(kind=Message.Kind.WAITING_OFFER).count() == 2
    assert len(messages_of(people[2], Message.Kind.WAITING_OFFER_EXPIRED)) == 1


def test_the_offer_never_outlives_the_booking_cut_off(
    office, session, people, freeze, django_capture_on_commit_callbacks
):
    join(office, people[2], session)
    freeze(jst(2026, 11, 25, 21, 30))  # 2.5 hours before booking closes
    cancel_seat(session, people[0], django_capture_on_commit_callbacks)
    entry = entry_of(people[2], session)
    assert entry.offer_expires_at == CUT_OFF


def test_the_offer_keeps_to_a_business_day_cut_off_and_the_office_s_hours(
    office, counsellor, people, freeze, django_capture_on_commit_callbacks
):
    """A Monday session at an office whose booking closes at the end of the previous
    business day (Friday), and offers held 6 hours."""
    Office.objects.filter(pk=office.pk).update(
        booking_cutoff_counts=Office.CutoffDays.BUSINESS, waiting_offer_hours=6
    )
    office.refresh_from_db()
    freeze(jst(2026, 11, 26, 9, 0))  # Thursday
    slot = make_session(office, counsellor, starts_at=jst(2026, 11, 30, 10, 0))
    for person in people[:2]:
        book(office, person, slot)
    join(office, people[2], slot)
    cancel_seat(slot, people[0], django_capture_on_commit_callbacks)
    assert entry_of(people[2], slot).offer_expires_at == jst(2026, 11, 26, 15, 0)

    join(office, people[3], slot)
    freeze(jst(2026, 11, 27, 20, 0))  # Friday evening: closes at midnight
    services.sweep_waiting_lists()  # the first offer expired; the next is offered
    assert entry_of(people[3], slot).offer_expires_at == jst(2026, 11, 28, 0, 0)


def test_at_the_cut_off_the_list_closes_and_everyone_is_told(
    office, session, people, freeze, django_capture_on_commit_callbacks
):
    join(office, people[2], session)
    join(office, people[3], session)
    cancel_seat(session, people[0], django_capture_on_commit_callbacks)
    freeze(CUT_OFF)
    services.sweep_waiting_lists()
    assert entry_of(people[2], session).status == WaitingEntry.Status.EXPIRED
    assert entry_of(people[3], session).status == WaitingEntry.Status.CLOSED
    (closed,) = messages_of(people[3], Message.Kind.WAITING_CLOSED)
    assert closed.params["why"] == "closed"
    assert "締め切りました" in render_message(closed).body


def test_a_capacity_raise_offers_each_new_seat_in_turn(office, session, people):
    for person in people[2:5]:
        join(office, person, session)
    Slot.objects.filter(pk=session.pk).update(capacity=4)
    assert services.offer_free_seats(slot_id=session.pk) == 2
    statuses = [entry_of(person, session).status for person in people[2:5]]
    assert statuses == ["offered", "offered", "waiting"]
    # Running again offers nothing more.
    assert services.offer_free_seats(slot_id=session.pk) == 0


def test_a_capacity_raise_in_the_admin_offers_the_new_seat(
    office, session, people, admin_client, django_capture_on_commit_callbacks
):
    join(office, people[2], session)
    url = reverse("admin:bookings_slot_change", args=[session.pk])
    assert admin_client.get(url).status_code == HTTPStatus.OK
    data = {
        "office": office.pk,
        "counsellor": session.counsellor_id,
        "starts_at_0": "2026-11-26",
        "starts_at_1": "10:00:00",
        "ends_at_0": "2026-11-26",
        "ends_at_1": "11:00:00",
        "kind": SessionKind.SESSION,
        "title": session.title,
        "title_en": session.title_en,
        "_save": "Save",
    }
    data["capacity"] = 3
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
    assert response.status_code == HTTPStatus.FOUND, getattr(response, "context", None) and (
        response.context["adminform"].form.errors
    )
    assert entry_of(people[2], session).status == WaitingEntry.Status.OFFERED


def test_close_waiting_list_ends_every_entry_and_tells_each_person(
    office, session, people, django_capture_on_commit_callbacks
):
    join(office, people[2], session)
    join(office, people[3], session)
    cancel_seat(session, people[0], django_capture_on_commit_callbacks)  # p2 is offered

    told = services.close_waiting_list(slot=session, reason="講師の急病のため")

    assert told == 2
    for person in people[2:4]:
        entry = entry_of(person, session)
        assert entry.status == WaitingEntry.Status.CLOSED
        assert entry.close_reason == "講師の急病のため"
        (message,) = messages_of(person, Message.Kind.WAITING_CLOSED)
        body = render_message(message).body
        assert "中止" in body and "講師の急病のため" in body
    assert services.close_waiting_list(slot=session, reason="again") == 0
    with pytest.raises(BookingError):
        services.accept_offer(entry_id=entry_of(people[2], session).pk, user=people[2])


def test_the_sweep_closes_the_list_of_a_cancelled_session(office, session, people):
    join(office, people[2], session)
    Slot.objects.filter(pk=session.pk).update(cancelled_at=NOW)
    services.sweep_waiting_lists()
    assert entry_of(people[2], session).status == WaitingEntry.Status.CLOSED
    assert messages_of(people[2], Message.Kind.WAITING_CLOSED)[0].params["why"] == "cancelled"


# --- the pages -----------------------------------------------------------------------------


def office_page(client, office) -> str:
    return client.get(reverse("office_detail", args=[office.slug])).content.decode()


def test_the_office_page_offers_the_waiting_list_of_a_full_session(client, office, session, people):
    join_url = reverse("waiting_join", args=[office.slug, session.pk])
    assert join_url not in office_page(client, office)  # signed out: a link to sign in
    client.force_login(people[2])
    page = office_page(client, office)
    assert 'id="waiting-heading"' in page
    assert f'action="{join_url}"' in page

    response = client.post(join_url)
    assert response.status_code == HTTPStatus.FOUND
    entry = entry_of(people[2], session)
    page = office_page(client, office)
    assert f'action="{join_url}"' not in page
    assert reverse("waiting_leave", args=[entry.pk]) in page
    assert "キャンセル待ち 1番目です。" in page

    my_page = client.get(reverse("my_page")).content.decode()
    assert f'id="my-waiting-{entry.pk}"' in my_page
    assert "キャンセル待ち 1番目です。" in my_page


def test_joining_needs_a_post_with_the_csrf_token(office, session, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people[2])
    url = reverse("waiting_join", args=[office.slug, session.pk])
    assert client.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert client.post(url).status_code == HTTPStatus.FORBIDDEN
    assert not WaitingEntry.objects.exists()


def test_a_refused_join_says_why_and_changes_nothing(client, office, session, people):
    client.force_login(people[0])  # holds a seat
    response = client.post(reverse("waiting_join", args=[office.slug, session.pk]), follow=True)
    assert response.status_code == HTTPStatus.OK
    assert "このセミナー等はすでに予約済みです。" in response.content.decode()
    assert not WaitingEntry.objects.exists()
    missing = client.post(reverse("waiting_join", args=[office.slug, 999999]), follow=True)
    assert missing.status_code == HTTPStatus.OK
    assert not WaitingEntry.objects.exists()


def test_another_person_s_entry_and_offer_are_404(
    client, office, session, people, django_capture_on_commit_callbacks
):
    join(office, people[2], session)
    cancel_seat(session, people[0], django_capture_on_commit_callbacks)
    entry = entry_of(people[2], session)
    client.force_login(people[3])
    assert client.post(reverse("waiting_leave", args=[entry.pk])).status_code == 404
    offer_url = reverse("waiting_offer", args=[office.slug, entry.pk])
    assert client.get(offer_url).status_code == 404
    assert client.post(offer_url, {"answer": "accept"}).status_code == 404
    assert entry_of(people[2], session).status == WaitingEntry.Status.OFFERED


def test_the_offer_page_accepts_the_seat(
    client, office, session, people, django_capture_on_commit_callbacks
):
    join(office, people[2], session)
    cancel_seat(session, people[0], django_capture_on_commit_callbacks)
    entry = entry_of(people[2], session)
    client.force_login(people[2])
    url = reverse("waiting_offer", args=[office.slug, entry.pk])
    page = client.get(url)
    assert page.status_code == HTTPStatus.OK
    assert page["Cache-Control"].startswith("max-age=0")
    assert 'value="accept"' in page.content.decode()

    assert client.post(url, {"answer": "maybe"}).status_code == HTTPStatus.FOUND
    assert entry_of(people[2], session).status == WaitingEntry.Status.OFFERED

    response = client.post(url, {"answer": "accept"})
    booking = Booking.objects.get(slot=session, user=people[2])
    assert response["Location"] == reverse("booking_detail", args=[booking.pk])
    assert booking.status == Booking.Status.CONFIRMED
    assert 'value="accept"' not in client.get(url).content.decode()


def test_the_offer_page_declines_the_seat(
    client, office, session, people, django_capture_on_commit_callbacks
):
    join(office, people[2], session)
    join(office, people[3], session)
    cancel_seat(session, people[0], django_capture_on_commit_callbacks)
    client.force_login(people[2])
    url = reverse("waiting_offer", args=[office.slug, entry_of(people[2], session).pk])
    response = client.post(url, {"answer": "decline"})
    assert response["Location"] == reverse("my_page")
    assert entry_of(people[3], session).status == WaitingEntry.Status.OFFERED


def test_the_offer_page_sends_a_person_without_current_consent_to_the_terms_and_back(
    client, office, session, people, django_capture_on_commit_callbacks
):
    join(office, people[2], session)
    cancel_seat(session, people[0], django_capture_on_commit_callbacks)
    entry = entry_of(people[2], session)
    document = office.terms_documents.get()
    revision = publish_historical(document, "## 第1条\n\n改定しました。\n", effective_at=NOW)
    client.force_login(people[2])
    url = reverse("waiting_offer", args=[office.slug, entry.pk])

    response = client.get(url)
    terms = reverse("office_terms", args=[office.slug])
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(terms)
    assert "next=" in response["Location"]

    agreed = client.post(
        reverse("office_terms_consent", args=[office.slug]),
        {"version": revision.pk, "agree": "on", "next": url},
    )
    assert agreed["Location"] == url
    assert Consent.objects.filter(user=people[2], version=revision).exists()
    client.post(url, {"answer": "accept"})
    assert Booking.objects.filter(slot=session, user=people[2], status="confirmed").exists()


# --- the admin -----------------------------------------------------------------------------


def test_staff_see_the_session_s_waiting_list_in_order(client, office, session, people):
    for person in people[2:5]:
        join(office, person, session)
    counsellor_user = make_staff(office, "counsellor")
    sign_in_staff(client, counsellor_user)
    response = client.get(reverse("admin:bookings_waitingentry_changelist"), {"slot": session.pk})
    assert response.status_code == HTTPStatus.OK
    rows = list(response.context["cl"].result_list)
    assert [row.user for row in rows] == people[2:5]
    assert [row.queue_position for row in rows] == [1, 2, 3]
    entry = entry_of(people[2], session)
    change = client.get(reverse("admin:bookings_waitingentry_change", args=[entry.pk]))
    assert change.status_code == HTTPStatus.OK
    assert (
        client.post(reverse("admin:bookings_waitingentry_delete", args=[entry.pk])).status_code
        == 403
    )


def test_the_sweep_is_on_the_beat_schedule():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "bookings.tasks.sweep_waiting_lists" in tasks
    assert sweep_waiting_lists_task.name == "bookings.tasks.sweep_waiting_lists"


def test_staff_neither_move_nor_book_a_person_into_a_seat_kept_for_the_list(
    office, counsellor, session, people, django_capture_on_commit_callbacks
):
    join(office, people[2], session)
    cancel_seat(session, people[0], django_capture_on_commit_callbacks)  # held for p2
    elsewhere = make_slot(office, counsellor, jst(2026, 11, 27, 10, 0))
    moving = book(office, people[4], elsewhere)
    with pytest.raises(BookingError) as moved:
        services.move_booking(booking=moving, slot_id=session.pk, actor=counsellor.user)
    assert moved.value.code == "waiting_list"
    with pytest.raises(BookingError) as followed:
        services.book_follow_up(counsellor_user=counsellor.user, user=people[5], slot_id=session.pk)
    assert followed.value.code == "waiting_list"
    assert Booking.objects.filter(slot=session, status__in=Booking.ACTIVE).count() == 1


def test_a_booking_moved_out_of_a_full_session_offers_its_seat(
    office, counsellor, session, people, django_capture_on_commit_callbacks
):
    join(office, people[2], session)
    later = make_slot(office, counsellor, jst(2026, 11, 27, 10, 0))
    booking = Booking.objects.get(slot=session, user=people[1])
    with django_capture_on_commit_callbacks(execute=True):
        services.move_booking(booking=booking, slot_id=later.pk, actor=counsellor.user)
    assert entry_of(people[2], session).status == WaitingEntry.Status.OFFERED


def test_the_office_page_s_list_of_full_sessions_is_cached_and_renewed_by_a_join(
    client, office, session, people, django_capture_on_commit_callbacks
):
    client.force_login(people[4])
    client.cookies["django_language"] = "en"
    assert "0 people waiting" in office_page(client, office)
    with CaptureQueriesContext(connection) as captured:
        office_page(client, office)
    assert not [q for q in captured if 'FROM "bookings_slot"' in q["sql"]]
    with django_capture_on_commit_callbacks(execute=True):
        join(office, people[2], session)
    assert "1 person waiting" in office_page(client, office)
