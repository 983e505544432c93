"""The lifecycle of a booking request, to the minute: answered before its slot, expired at
the booking cut-off, answer-by moments, business-day cut-offs, and the overdue alert."""

import datetime as dt
import threading
from http import HTTPStatus
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connections, transaction
from django.utils import timezone, translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.messages import render_message
from accounts.models import Message
from bookings import caches, calendar, selectors, services, tasks
from bookings.errors import BookingError
from bookings.models import Booking, BookingEvent, Office, OfficeClosure
from tests import factories
from tests.factories import (
    jst,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
    make_staff,
)
from tests.support.staff import sign_in_staff
from tests.support.worker import wait_for
from tests.test_join_race import lock_waiters

pytestmark = pytest.mark.django_db

MICROSECOND = dt.timedelta(microseconds=1)


@pytest.fixture
def office():
    """An office whose counsellors confirm requests; bookings close at the end of the
    calendar day before (the default)."""
    return make_office_with_terms(
        slug="k",
        municipality_codes=["01213"],
        requires_counsellor_confirmation=True,
        booking_limit=10,
    )


@pytest.fixture
def itami():
    """Like Hello Work Itami: requests, and bookings close at the end of the business day
    before."""
    return make_office_with_terms(
        slug="itami",
        name="ハローワーク伊丹",
        name_en="Hello Work Itami",
        phone="072-772-8609",
        requires_counsellor_confirmation=True,
        booking_cutoff_counts=Office.CutoffDays.BUSINESS,
        booking_limit=10,
    )


@pytest.fixture
def counsellor(office):
    return make_counsellor(office)


@pytest.fixture
def alice(make_user, office, itami):
    user = make_eligible(make_user("alice@example.jp"), office)
    return make_eligible(user, itami)


@pytest.fixture
def bob(make_user, office):
    return make_eligible(make_user("bob@example.jp"), office)


def request_at(moment: dt.datetime, office: Office, person, slot) -> Booking:
    """A request applied for at `moment` through the booking service."""
    with time_machine.travel(moment, tick=False):
        booking = factories.book(office, person, slot)
    assert booking.status == Booking.Status.REQUESTED
    return booking


def status_of(booking: Booking) -> str:
    return Booking.objects.get(pk=booking.pk).status


def messages_of(user, kind: str):
    return Message.objects.filter(user=user, kind=kind)


# --- a counsellor answers before the slot starts ----------------------------------------


def test_a_request_is_confirmed_up_to_the_minute_before_its_slot(office, counsellor, alice):
    slot = make_slot(office, counsellor, jst(2026, 11, 26, 10, 0))
    booking = request_at(jst(2026, 11, 20, 12, 0), office, alice, slot)
    with time_machine.travel(jst(2026, 11, 26, 9, 59, 59), tick=False):
        services.confirm_booking(booking=booking, actor=counsellor.user)
    assert status_of(booking) == Booking.Status.CONFIRMED


@pytest.mark.parametrize("minute", [0, 20])
def test_a_request_cannot_be_confirmed_once_its_slot_has_started(office, counsellor, alice, minute):
    slot = make_slot(office, counsellor, jst(2026, 11, 26, 10, 0))
    booking = request_at(jst(2026, 11, 20, 12, 0), office, alice, slot)
    late = jst(2026, 11, 26, 10, minute)
    with time_machine.travel(late, tick=False), pytest.raises(BookingError) as refused:
        services.confirm_booking(booking=booking, actor=counsellor.user)
    assert refused.value.code == "started"
    assert status_of(booking) == Booking.Status.REQUESTED
    assert not booking.events.filter(action=BookingEvent.Action.CONFIRMED).exists()
    assert not messages_of(alice, Message.Kind.BOOKING_CONFIRMED).exists()


def test_the_admin_says_clearly_why_a_late_confirmation_is_refused(
    client, office, counsellor, alice
):
    slot = make_slot(office, counsellor, jst(2026, 11, 26, 10, 0))
    booking = request_at(jst(2026, 11, 20, 12, 0), office, alice, slot)
    codenames = ["view_booking", "change_booking"]
    counsellor.user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    sign_in_staff(client, counsellor.user)
    client.cookies["django_language"] = "en"
    with time_machine.travel(jst(2026, 11, 26, 10, 20), tick=False):
        response = client.post(
            "/admin/bookings/booking/",
            {"action": "confirm", "_selected_action": [booking.pk]},
            follow=True,
        )
    assert response.status_code == HTTPStatus.OK
    assert "its consultation time has already started" in response.content.decode()
    assert status_of(booking) == Booking.Status.REQUESTED


def test_the_refusal_is_in_japanese_for_a_japanese_counsellor(office, counsellor, alice):
    slot = make_slot(office, counsellor, jst(2026, 11, 26, 10, 0))
    booking = request_at(jst(2026, 11, 20, 12, 0), office, alice, slot)
    late = time_machine.travel(jst(2026, 11, 26, 10, 20), tick=False)
    with translation.override("ja"), late, pytest.raises(BookingError) as refused:
        services.confirm_booking(booking=booking, actor=counsellor.user)
    assert "確定できません" in str(refused.value.message)


def test_staff_bookings_are_confirmed_as_they_are_made_even_after_the_start(
    office, counsellor, alice, bob
):
    """An immediate consultation starts now; a follow-up booked during a consultation is
    confirmed at once: neither is a request a counsellor answers."""
    with time_machine.travel(jst(2026, 11, 26, 10, 3), tick=False):
        immediate = services.start_immediate_consultation(counsellor=counsellor, user=alice)
        assert immediate.status == Booking.Status.CONFIRMED
        later = make_slot(office, counsellor, jst(2026, 11, 27, 11, 0))
        follow_up = services.book_follow_up(
            counsellor_user=counsellor.user, user=bob, slot_id=later.pk
        )
        assert follow_up.status == Booking.Status.CONFIRMED
    # A follow-up whose slot starts while it is being booked is still confirmed.
    started = make_slot(office, counsellor, jst(2026, 11, 27, 14, 0))
    booked = factories.make_confirmed_booking(
        started, bob, status=Booking.Status.REQUESTED, booked_by=counsellor.user
    )
    with time_machine.travel(jst(2026, 11, 27, 14, 0), tick=False):
        services.confirm_booking(booking=booked, actor=counsellor.user)
    assert status_of(booked) == Booking.Status.CONFIRMED


# --- a request unanswered at the cut-off expires ----------------------------------------


@pytest.fixture
def unanswered(office, counsellor, alice):
    """Alice's request for Thursday 26 November 10:00; bookings close at midnight."""
    slot = make_slot(office, counsellor, jst(2026, 11, 26, 10, 0))
    return request_at(jst(2026, 11, 20, 12, 0), office, alice, slot)


def test_a_request_is_still_waiting_one_moment_before_the_cut_off(unanswered):
    with time_machine.travel(jst(2026, 11, 25, 23, 59), tick=False):
        assert services.expire_requests() == 0
    assert services.expire_requests(now=jst(2026, 11, 26) - MICROSECOND) == 0
    assert status_of(unanswered) == Booking.Status.REQUESTED


def test_a_request_unanswered_at_the_cut_off_expires_exactly_then(unanswered):
    cut_off = jst(2026, 11, 26, 0, 0)
    assert calendar.booking_deadline(unanswered.slot.office, unanswered.slot.starts_at) == cut_off
    with time_machine.travel(cut_off, tick=False):
        assert services.expire_requests() == 1
    booking = Booking.objects.get(pk=unanswered.pk)
    assert booking.status == Booking.Status.EXPIRED
    assert booking.expired_at == cut_off
    event = booking.events.get(action=BookingEvent.Action.EXPIRED)
    assert event.at == cut_off and event.actor is None


def test_the_person_is_told_with_the_offices_phone(unanswered, office, alice):
    with time_machine.travel(jst(2026, 11, 26, 0, 0), tick=False):
        services.expire_requests()
    message = messages_of(alice, Message.Kind.REQUEST_EXPIRED).get()
    assert message.params == {
        "office_id": office.pk,
        "office_name": office.name,
        "office_name_en": office.name_en,
        "office_phone": "0144-32-5221",
        "starts_at": "2026-11-26T01:00:00Z",  # 10:00 Japan time, stored in UTC
        "ends_at": "2026-11-26T01:30:00Z",
    }
    subject, body = render_message(message, "ja")
    assert "予約申込みの期限切れ" in subject
    for text in ("2026年11月26日（木）10:00〜10:30", "0144-32-5221", "お電話ください"):
        assert text in body
    subject, body = render_message(message, "en")
    assert "expired" in subject
    for text in ("Thu, 26 November 2026, 10:00–10:30", "0144-32-5221", "not count as a no-show"):
        assert text in body


def test_the_expired_request_frees_its_seat_for_someone_else(unanswered, office, counsellor, bob):
    with time_machine.travel(jst(2026, 11, 26, 0, 0), tick=False):
        services.expire_requests()
        # Applications have closed, but the counsellor can give the seat to another person.
        follow_up = services.book_follow_up(
            counsellor_user=counsellor.user, user=bob, slot_id=unanswered.slot_id
        )
    assert follow_up.seat == unanswered.seat == 1
    assert follow_up.status == Booking.Status.CONFIRMED


def test_an_expired_request_counts_as_nothing_against_the_person(unanswered, office, alice):
    office.no_show_limit = 1  # a single no-show would restrict
    office.save()
    with time_machine.travel(jst(2026, 11, 26, 0, 0), tick=False):
        services.expire_requests()
        no_shows, open_bookings = selectors.booking_counts(alice, office)
        assert (no_shows, open_bookings) == (0, 0)
        assert selectors.restricted_users(office) == []
        assert not [r for r in selectors.refusals(alice, office) if r.code == "no_show"]


def test_running_the_job_again_writes_nothing_more(unanswered, alice):
    with time_machine.travel(jst(2026, 11, 26, 0, 0), tick=False):
        assert services.expire_requests() == 1
        assert services.expire_requests() == 0
    with time_machine.travel(jst(2026, 11, 26, 0, 1), tick=False):
        assert tasks.expire_requests_task.run() == 0
    assert Message.objects.filter(user=alice).count() == 2  # received, expired
    assert messages_of(alice, Message.Kind.REQUEST_EXPIRED).count() == 1
    assert BookingEvent.objects.filter(action=BookingEvent.Action.EXPIRED).count() == 1
    assert Booking.objects.get(pk=unanswered.pk).expired_at == jst(2026, 11, 26, 0, 0)


def test_expiry_bumps_the_my_page_and_free_slot_caches(unanswered, office, alice, monkeypatch):
    bumped = []
    monkeypatch.setattr(caches.my_page, "changed", lambda key: bumped.append(("me", key)))
    monkeypatch.setattr(caches.slot_weeks, "changed", lambda key: bumped.append(("slots", key)))
    services.expire_requests(now=jst(2026, 11, 26, 0, 0))
    assert ("me", alice.pk) in bumped and ("slots", office.pk) in bumped


def test_a_request_answered_before_the_job_runs_is_left_alone(unanswered, counsellor):
    with time_machine.travel(jst(2026, 11, 25, 18, 0), tick=False):
        services.confirm_booking(booking=unanswered, actor=counsellor.user)
    assert services.expire_requests(now=jst(2026, 11, 26, 0, 0)) == 0
    assert status_of(unanswered) == Booking.Status.CONFIRMED


def test_each_office_expires_its_requests_at_its_own_cut_off(office, itami, counsellor, alice):
    """A Monday slot: Itami counts business days (closes at the end of Friday), the other
    office calendar days (closes at the end of Sunday)."""
    monday = jst(2026, 12, 7, 10, 0)
    at_k = request_at(jst(2026, 12, 1, 10), office, alice, make_slot(office, counsellor, monday))
    itami_counsellor = make_counsellor(itami)
    an_hour_later = make_slot(itami, itami_counsellor, monday + dt.timedelta(hours=1))
    at_itami = request_at(jst(2026, 12, 1, 10), itami, alice, an_hour_later)
    assert services.expire_requests(now=jst(2026, 12, 5) - MICROSECOND) == 0
    assert services.expire_requests(now=jst(2026, 12, 5)) == 1  # Saturday 00:00
    assert (status_of(at_itami), status_of(at_k)) == ("expired", "requested")
    assert services.expire_requests(now=jst(2026, 12, 7) - MICROSECOND) == 0
    assert services.expire_requests(now=jst(2026, 12, 7)) == 1  # Monday 00:00
    assert status_of(at_k) == Booking.Status.EXPIRED


def test_the_expiry_job_is_a_task_on_the_beat_every_minute():
    assert tasks.expire_requests_task.name == "bookings.tasks.expire_requests"
    assert tasks.expire_requests_task.acks_late
    entries: dict[Any, Any] = {
        e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()
    }
    every_minute = entries["bookings.tasks.expire_requests"]
    assert every_minute.minute == set(range(60)) and every_minute.hour == set(range(24))


# --- answer by: a date and time before the consultation ---------------------------------


def test_the_answer_by_moment_is_the_earlier_of_two_business_days_and_the_cut_off(itami, alice):
    """Itami, a request on Tuesday 1 December for Thursday 3 December 11:00: two business
    days end with Thursday, but the request expires at the end of Wednesday."""
    counsellor = make_counsellor(itami)
    slot = make_slot(itami, counsellor, jst(2026, 12, 3, 11, 0))
    booking = request_at(jst(2026, 12, 1, 10, 0), itami, alice, slot)
    assert not calendar.is_public_holiday(dt.date(2026, 12, 2))
    assert (
        calendar.add_business_days(itami, booking.created_at, 2) == jst(2026, 12, 4) - MICROSECOND
    )
    assert calendar.booking_deadline(itami, slot.starts_at) == jst(2026, 12, 3)
    answer_by = selectors.answer_by(booking)
    assert answer_by == jst(2026, 12, 3) - MICROSECOND
    assert answer_by < slot.starts_at


def test_the_answer_by_moment_is_two_business_days_when_the_slot_is_later(
    office, counsellor, alice
):
    slot = make_slot(office, counsellor, jst(2026, 12, 10, 11, 0))
    booking = request_at(jst(2026, 12, 1, 10, 0), office, alice, slot)  # a Tuesday
    assert selectors.answer_by(booking) == jst(2026, 12, 4) - MICROSECOND  # end of Thursday


def test_the_booking_page_gives_the_answer_by_date_and_time(client, itami, alice):
    counsellor = make_counsellor(itami)
    slot = make_slot(itami, counsellor, jst(2026, 12, 3, 11, 0))
    booking = request_at(jst(2026, 12, 1, 10, 0), itami, alice, slot)
    client.force_login(alice)
    with time_machine.travel(jst(2026, 12, 1, 10, 5), tick=False):
        html = client.get(f"/me/bookings/{booking.pk}/").content.decode()
        says = "2026年12月2日（水）23:59までにメッセージが届かない場合は、072-772-8609 まで"
        assert says + "お電話ください" in html
        client.cookies["django_language"] = "en"
        html = client.get(f"/me/bookings/{booking.pk}/").content.decode()
    assert (
        "If you have no message by Wed, 2 December 2026, 23:59, please phone 072-772-8609" in html
    )


# --- the business-day cut-off -----------------------------------------------------------


def test_a_monday_slot_closes_at_the_end_of_friday(itami):
    assert calendar.booking_deadline(itami, jst(2026, 12, 7, 10, 0)) == jst(2026, 12, 5)


def test_the_calendar_cut_off_is_unchanged(office):
    assert office.booking_cutoff_counts == Office.CutoffDays.CALENDAR
    assert calendar.booking_deadline(office, jst(2026, 12, 7, 10, 0)) == jst(2026, 12, 7)
    office.booking_cutoff_days = 2
    assert calendar.booking_deadline(office, jst(2026, 12, 7, 10, 0)) == jst(2026, 12, 6)
    office.booking_cutoff_days = 0
    assert calendar.booking_deadline(office, jst(2026, 12, 7, 10, 0)) == jst(2026, 12, 7, 10)


def test_a_public_holiday_is_not_a_business_day(itami):
    """Monday 11 January 2027 is Coming of Age Day: a Tuesday slot closes on Friday 8."""
    assert calendar.is_public_holiday(dt.date(2027, 1, 11))
    assert calendar.booking_deadline(itami, jst(2027, 1, 12, 10, 0)) == jst(2027, 1, 9)


def test_the_year_end_is_not_a_business_day(itami):
    """29 December to 3 January: the first slot of the year closes at the end of 28 December."""
    assert calendar.booking_deadline(itami, jst(2027, 1, 4, 10, 0)) == jst(2026, 12, 29)
    itami.closed_at_year_end = False  # open on 29–31 December (1 January is a holiday)
    assert calendar.booking_deadline(itami, jst(2027, 1, 4, 10, 0)) == jst(2027, 1, 1)


def test_an_office_closure_is_not_a_business_day(itami):
    OfficeClosure.objects.create(
        office=itami, start_date=dt.date(2026, 12, 4), end_date=dt.date(2026, 12, 4)
    )
    itami = Office.objects.get(pk=itami.pk)
    assert calendar.booking_deadline(itami, jst(2026, 12, 7, 10, 0)) == jst(2026, 12, 4)


def test_two_business_days_before(itami):
    itami.booking_cutoff_days = 2
    assert calendar.booking_deadline(itami, jst(2026, 12, 7, 10, 0)) == jst(2026, 12, 4)
    assert calendar.booking_deadline(itami, jst(2026, 12, 8, 10, 0)) == jst(2026, 12, 5)


def test_the_year_end_closes_the_office_for_slots_too(itami):
    for day in (dt.date(2026, 12, 29), dt.date(2026, 12, 31), dt.date(2027, 1, 3)):
        assert not calendar.is_open_day(itami, day, [])
    assert calendar.is_open_day(itami, dt.date(2026, 12, 28), [])
    assert calendar.is_open_day(itami, dt.date(2027, 1, 4), [])
    itami.closed_at_year_end = False
    assert calendar.is_open_day(itami, dt.date(2026, 12, 29), [])


def test_applying_for_a_monday_slot_closes_on_friday_night(itami, alice):
    counsellor = make_counsellor(itami)
    slot = make_slot(itami, counsellor, jst(2026, 12, 7, 10, 0))
    with time_machine.travel(jst(2026, 12, 5, 0, 0), tick=False):
        with pytest.raises(BookingError) as refused:
            factories.book(itami, alice, slot)
        assert refused.value.code == "closed"
        assert slot not in selectors.free_slots(
            itami, jst(2026, 12, 1), jst(2026, 12, 31), timezone.now()
        )
    request_at(jst(2026, 12, 4, 23, 59, 59), itami, alice, slot)


# --- the free-slot listing agrees with the cut-off --------------------------------------

OFFICE_RULES = [
    {"booking_cutoff_counts": "calendar", "booking_cutoff_days": 1},
    {"booking_cutoff_counts": "calendar", "booking_cutoff_days": 2},
    {"booking_cutoff_counts": "calendar", "booking_cutoff_days": 0},
    {"booking_cutoff_counts": "business", "booking_cutoff_days": 1},
    {"booking_cutoff_counts": "business", "booking_cutoff_days": 2},
    {"booking_cutoff_counts": "business", "booking_cutoff_days": 1, "closed_at_year_end": False},
]


@pytest.mark.parametrize("rules", OFFICE_RULES)
def test_free_slots_list_exactly_the_slots_still_open_for_booking(rules):
    """For every slot and every moment, over the year end and Coming of Age Day (with a
    closure on Friday 8 January): a slot is listed exactly when its booking is open."""
    office = make_office_with_terms(**rules)
    OfficeClosure.objects.create(
        office=office, start_date=dt.date(2027, 1, 8), end_date=dt.date(2027, 1, 8)
    )
    counsellor = make_counsellor(office)
    first = dt.date(2026, 12, 21)
    slots = [
        make_slot(office, counsellor, jst(day.year, day.month, day.day, hour))
        for day in (first + dt.timedelta(days=n) for n in range(28))
        for hour in (0, 10, 15)
    ]
    office = Office.objects.get(pk=office.pk)
    start, end = jst(2026, 12, 1), jst(2027, 2, 1)
    for n in range(-2, 26):
        day = first + dt.timedelta(days=n)
        midnight = jst(day.year, day.month, day.day)
        for now in (midnight, midnight - MICROSECOND, midnight + dt.timedelta(hours=10)):
            listed = set(selectors.free_slots(office, start, end, now))
            still_open = {s for s in slots if now < calendar.booking_deadline(office, s.starts_at)}
            assert listed == still_open, now


@hypothesis_settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    now=st.datetimes(min_value=dt.datetime(2026, 12, 1), max_value=dt.datetime(2027, 2, 1)),
    starts_at=st.datetimes(min_value=dt.datetime(2026, 12, 1), max_value=dt.datetime(2027, 2, 15)),
    rules=st.sampled_from(OFFICE_RULES),
    weekdays=st.sampled_from([[0, 1, 2, 3, 4], [1, 3], [0, 1, 2, 3, 4, 5]]),
)
def test_the_cut_off_has_passed_exactly_for_slots_before_the_first_bookable_moment(
    now, starts_at, rules, weekdays
):
    office = Office(weekdays=weekdays, **rules)
    closures = [
        OfficeClosure(start_date=dt.date(2027, 1, 8), end_date=dt.date(2027, 1, 8)),
        OfficeClosure(
            start_date=dt.date(2000, 2, 1), end_date=dt.date(2000, 2, 3), every_year=True
        ),
    ]
    now, starts_at = timezone.make_aware(now), timezone.make_aware(starts_at)
    closed = now >= calendar.booking_deadline(office, starts_at, closures)
    assert closed == (starts_at < calendar.first_bookable_moment(office, now, closures))


# --- requests past their answer-by moment: the staff are alerted ------------------------


@pytest.fixture
def overdue(office, counsellor, alice):
    """Alice's request of Tuesday 1 December for Thursday 10 December: to be answered by
    the end of Thursday 3 December."""
    slot = make_slot(office, counsellor, jst(2026, 12, 10, 10, 0))
    return request_at(jst(2026, 12, 1, 10, 0), office, alice, slot)


@pytest.fixture
def manager(office):
    return make_staff(office, "manager")


@pytest.fixture
def outsider(make_user):
    elsewhere = make_office_with_terms(slug="elsewhere", requires_counsellor_confirmation=True)
    return make_counsellor(elsewhere)


def test_no_alert_before_the_answer_by_moment(overdue, counsellor):
    with time_machine.travel(jst(2026, 12, 3, 23, 59, 59), tick=False):
        assert services.alert_overdue_requests() == 0
    assert not Message.objects.filter(kind=Message.Kind.REQUEST_OVERDUE_STAFF).exists()


def test_the_offices_staff_and_the_person_are_told_once(
    overdue, office, counsellor, manager, outsider, alice, django_capture_on_commit_callbacks
):
    with time_machine.travel(jst(2026, 12, 4, 0, 0), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.alert_overdue_requests() == 1
        for user in (counsellor.user, manager):
            message = messages_of(user, Message.Kind.REQUEST_OVERDUE_STAFF).get()
            assert message.link == f"/admin/bookings/booking/{overdue.pk}/change/"
            assert message.params["booking_id"] == overdue.pk
            assert message.params["office_id"] == office.pk
            assert message.params["full_name"] == "山田 花子"
            subject, body = render_message(message, "ja")
            assert f"予約番号{overdue.pk}" in subject
            for text in (
                "山田 花子",
                "2026年12月10日（木）10:00〜10:30",
                "2026年12月3日（木）23:59",
            ):
                assert text in body
            assert f"/admin/bookings/booking/{overdue.pk}/change/" in body
            subject, body = render_message(message, "en")
            assert "unanswered booking request" in subject
            assert "Thu, 3 December 2026, 23:59" in body
        assert not Message.objects.filter(user=outsider.user).exists()
        told = messages_of(alice, Message.Kind.REQUEST_OVERDUE).get()
        assert told.params["office_phone"] == "0144-32-5221"
        subject, body = render_message(told, "ja")
        assert "予約申込み" in subject
        assert f"相談窓口（{office.name}、0144-32-5221）までお電話ください" in body
        assert "please phone" in render_message(told, "en").body.lower()
        assert sorted(email.to[0] for email in mail.outbox) == sorted(
            [counsellor.user.email, manager.email, alice.email]
        )
        # Again, and later: nothing more.
        with django_capture_on_commit_callbacks(execute=True):
            assert services.alert_overdue_requests() == 0
    later = time_machine.travel(jst(2026, 12, 4, 0, 5), tick=False)
    with later, django_capture_on_commit_callbacks(execute=True):
        assert tasks.alert_overdue_requests_task.run() == 0
    assert len(mail.outbox) == 3
    assert Message.objects.filter(kind=Message.Kind.REQUEST_OVERDUE_STAFF).count() == 2
    assert Message.objects.filter(kind=Message.Kind.REQUEST_OVERDUE).count() == 1
    booking = Booking.objects.get(pk=overdue.pk)
    assert booking.overdue_alerted_at == jst(2026, 12, 4)
    assert booking.status == Booking.Status.REQUESTED  # still the counsellor's to answer
    assert booking.events.filter(action=BookingEvent.Action.OVERDUE_ALERTED).count() == 1


def test_a_request_that_reaches_its_cut_off_first_expires_instead(office, counsellor, alice):
    """Answer-by is the cut-off: at that moment the request expires (the person is told
    then) and no alert is sent as well."""
    slot = make_slot(office, counsellor, jst(2026, 12, 3, 11, 0))
    booking = request_at(jst(2026, 12, 1, 10, 0), office, alice, slot)
    with time_machine.travel(jst(2026, 12, 3, 0, 0), tick=False):
        assert selectors.overdue_requests() == [booking]
        assert services.alert_overdue_requests() == 0
        assert services.expire_requests() == 1
    assert not Message.objects.filter(kind=Message.Kind.REQUEST_OVERDUE_STAFF).exists()


def test_an_answered_request_is_not_alerted(overdue, counsellor):
    with time_machine.travel(jst(2026, 12, 3, 17, 0), tick=False):
        services.confirm_booking(booking=overdue, actor=counsellor.user)
    assert services.alert_overdue_requests(now=jst(2026, 12, 4, 0, 0)) == 0


def test_the_day_view_gets_the_waiting_requests_oldest_first_with_overdue_marked(
    office, counsellor, alice, bob, outsider, overdue
):
    later = request_at(
        jst(2026, 12, 3, 9, 0), office, bob, make_slot(office, counsellor, jst(2026, 12, 11, 10))
    )
    elsewhere = outsider.office
    make_eligible(bob, elsewhere)
    request_at(
        jst(2026, 12, 1, 9, 0),
        elsewhere,
        bob,
        make_slot(elsewhere, outsider, jst(2026, 12, 11, 14)),
    )
    waiting = selectors.waiting_requests([office.pk], jst(2026, 12, 4, 0, 0))
    assert [w.booking for w in waiting] == [overdue, later]
    assert [w.overdue for w in waiting] == [True, False]
    assert waiting[0].answer_by == jst(2026, 12, 4) - MICROSECOND
    assert waiting[1].answer_by == jst(2026, 12, 8) - MICROSECOND  # Thu 3 → Fri 4, Mon 7
    assert selectors.overdue_requests(now=jst(2026, 12, 4), office_ids=[office.pk]) == [overdue]
    assert len(selectors.overdue_requests(now=jst(2026, 12, 4))) == 2  # every office's


def test_the_admin_filter_of_overdue_requests_uses_the_same_rule(client, overdue, counsellor):
    codenames = ["view_booking", "change_booking"]
    counsellor.user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    with time_machine.travel(jst(2026, 12, 3, 23, 59), tick=False):
        sign_in_staff(client, counsellor.user)
        html = client.get("/admin/bookings/booking/?overdue=yes").content.decode()
        assert f"/admin/bookings/booking/{overdue.pk}/change/" not in html
    with time_machine.travel(jst(2026, 12, 4, 0, 0), tick=False):
        html = client.get("/admin/bookings/booking/?overdue=yes").content.decode()
        assert f"/admin/bookings/booking/{overdue.pk}/change/" in html


def test_the_alert_job_is_a_task_on_the_beat_every_five_minutes():
    assert tasks.alert_overdue_requests_task.name == "bookings.tasks.alert_overdue_requests"
    entries: dict[Any, Any] = {
        e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert entries["bookings.tasks.alert_overdue_requests"].minute == set(range(0, 60, 5))


# --- on PostgreSQL: a confirmation and the expiry job at the same moment ----------------


def confirm_then_expire_while_uncommitted(booking, cut_off, expire) -> int:
    """The counsellor's confirmation holds the booking's row while `expire` runs and waits
    for it (seen in pg_stat_activity, not guessed with a sleep); then it commits."""
    confirmed, release = threading.Event(), threading.Event()
    expired: list[int] = []

    def confirm() -> None:
        with transaction.atomic():
            services.confirm_booking(booking=booking, now=cut_off - dt.timedelta(minutes=1))
            confirmed.set()
            release.wait(30)
        connections.close_all()

    def expiry() -> None:
        confirmed.wait(30)
        expired.append(expire(now=cut_off))
        connections.close_all()

    threads = [threading.Thread(target=confirm), threading.Thread(target=expiry)]
    for thread in threads:
        thread.start()
    wait_for(lambda: lock_waiters() > 0, timeout=30, what="the expiry waiting for the lock")
    release.set()
    for thread in threads:
        thread.join(30)
    return expired[0]


def naive_expiry(*, now: dt.datetime) -> int:
    """The naive control: pick the due requests, then expire them by id alone."""
    due = [
        booking.pk
        for booking in Booking.objects.filter(status=Booking.Status.REQUESTED).select_related(
            "slot__office"
        )
        if now >= calendar.booking_deadline(booking.slot.office, booking.slot.starts_at)
    ]
    return Booking.objects.filter(pk__in=due).update(status=Booking.Status.EXPIRED, expired_at=now)


def waiting_request(slug: str, person) -> Booking:
    office = make_office_with_terms(slug=slug, requires_counsellor_confirmation=True)
    slot = make_slot(office, make_counsellor(office), jst(2026, 11, 26, 10))
    return factories.make_confirmed_booking(slot, person, status=Booking.Status.REQUESTED)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_expiry_that_waits_for_a_confirmation_sees_it_and_expires_nothing(make_user):
    person = make_user()
    booking = waiting_request("race", person)
    expired = confirm_then_expire_while_uncommitted(
        booking, jst(2026, 11, 26), services.expire_requests
    )
    booking.refresh_from_db()
    assert expired == 0
    assert booking.status == Booking.Status.CONFIRMED and booking.expired_at is None
    assert not messages_of(person, Message.Kind.REQUEST_EXPIRED).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_naive_control_expires_a_request_that_was_confirmed(make_user):
    booking = waiting_request("naive", make_user())
    expired = confirm_then_expire_while_uncommitted(booking, jst(2026, 11, 26), naive_expiry)
    booking.refresh_from_db()
    assert expired == 1
    assert booking.status == Booking.Status.EXPIRED and booking.confirmed_at is not None
