"""The day-before reminder at the office's hour, and texts that tell the truth: an access
code being prepared, cancel offered only before the start, the person's own no-show
count, the no-show rule's minutes as set, and an undone no-show that gets its room back."""

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from accounts.messages import render_message
from accounts.models import Message
from bookings import selectors, services
from bookings.models import Booking, Room
from bookings.services import rooms
from portal import crypto
from tests.factories import (
    book,
    jst,
    make_confirmed_booking,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
)

pytestmark = pytest.mark.django_db
START = jst(2026, 11, 26, 10, 0)  # a Thursday
DAY_BEFORE = jst(2026, 11, 25)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def office():
    return make_office_with_terms(
        slug="k", municipality_codes=["01213"], meeting_provider="jitsi", booking_limit=10
    )


@pytest.fixture
def counsellor(office):
    return make_counsellor(office)


@pytest.fixture
def alice(make_user, office):
    return make_eligible(make_user("alice@example.jp"), office)


def booked(office, person, start=START, *, at=None):
    """A confirmed booking made through the service (its room job is not run)."""
    slot = make_slot(office, make_counsellor(office), start)
    with time_machine.travel(at or start - dt.timedelta(days=3), tick=False):
        return book(office, person, slot)


def reminders_of(person):
    return Message.objects.filter(user=person, kind=Message.Kind.REMINDER)


# --- the day-before reminder -----------------------------------------------------------


def test_the_reminder_goes_out_from_the_offices_hour_once(office, alice):
    booking = booked(office, alice)
    with time_machine.travel(DAY_BEFORE.replace(hour=9, minute=59), tick=False):
        assert services.send_reminders() == 0
    with time_machine.travel(DAY_BEFORE.replace(hour=10), tick=False):
        assert services.send_reminders() == 1
    with time_machine.travel(DAY_BEFORE.replace(hour=10, minute=15), tick=False):
        assert services.send_reminders() == 0
    reminder = reminders_of(alice).get()
    assert reminder.link == reverse("booking_detail", kwargs={"pk": booking.pk})
    assert "10:00" in render_message(reminder, "en").body


def test_an_office_with_a_reminder_hour_of_fourteen_reminds_at_fourteen(office, alice, make_user):
    afternoon = make_office_with_terms(
        municipality_codes=["01213"], meeting_provider="jitsi", reminder_hour=14
    )
    bob = make_eligible(make_user("bob@example.jp"), afternoon)
    booked(office, alice)
    booked(afternoon, bob)
    with time_machine.travel(DAY_BEFORE.replace(hour=10), tick=False):
        assert services.send_reminders() == 1  # alice's office only
    with time_machine.travel(DAY_BEFORE.replace(hour=13, minute=45), tick=False):
        assert services.send_reminders() == 0
    with time_machine.travel(DAY_BEFORE.replace(hour=14), tick=False):
        assert services.send_reminders() == 1
    assert reminders_of(alice).count() == 1 and reminders_of(bob).count() == 1


def test_no_reminder_two_days_before_nor_for_a_cancelled_booking(office, alice, make_user):
    booked(office, alice, START + dt.timedelta(days=1))  # Friday: two days away
    bob = make_eligible(make_user("bob@example.jp"), office)
    cancelled = booked(office, bob)
    services.cancel_booking(booking=cancelled, actor=bob, now=START - dt.timedelta(days=2))
    with time_machine.travel(DAY_BEFORE.replace(hour=12), tick=False):
        assert services.send_reminders() == 0


def test_a_run_missed_is_made_up_by_the_next(office, alice):
    booked(office, alice)
    with time_machine.travel(DAY_BEFORE.replace(hour=12, minute=30), tick=False):
        assert services.send_reminders() == 1


def test_a_booking_confirmed_after_the_hour_on_the_day_before_gets_no_reminder(
    office, alice, make_user
):
    """Its confirmation has just told the person; and nothing goes out at night."""
    booked(office, alice, at=DAY_BEFORE.replace(hour=9, minute=59))
    bob = make_eligible(make_user("bob@example.jp"), office)
    booked(office, bob, at=DAY_BEFORE.replace(hour=23, minute=30))
    with time_machine.travel(DAY_BEFORE.replace(hour=10), tick=False):
        assert services.send_reminders() == 1  # alice's, confirmed before the hour
    for hour, minute in ((10, 15), (23, 45)):
        with time_machine.travel(DAY_BEFORE.replace(hour=hour, minute=minute), tick=False):
            assert services.send_reminders() == 0
    assert reminders_of(bob).count() == 0


def test_beat_runs_the_reminders_every_quarter_hour():
    entry = django_settings.CELERY_BEAT_SCHEDULE["send-reminders"]
    assert entry["task"] == "bookings.tasks.send_reminders"
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    # crontab's parsed fields (sets, made in __init__) are missing from celery-types.
    assert schedule.minute == {0, 15, 30, 45}  # type: ignore[attr-defined]
    assert schedule.hour == set(range(24))  # type: ignore[attr-defined]


# --- the access code: being prepared, shown, ended -------------------------------------


def detail(client, booking, *, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(reverse("booking_detail", kwargs={"pk": booking.pk}), headers=headers)


def test_a_booking_confirmed_a_second_ago_says_its_code_is_being_prepared(client, office, alice):
    now = START - dt.timedelta(days=1)
    booking = booked(office, alice, at=now)
    client.force_login(alice)
    with time_machine.travel(now + dt.timedelta(seconds=1), tick=False):
        html = detail(client, booking).content.decode()
    assert "Your access code is being prepared" in html
    assert "here and in your mailbox" in html
    assert "has ended" not in html and "room has changed" not in html
    assert 'hx-trigger="every 5s"' in html
    assert f'hx-get="/me/bookings/{booking.pk}/"' in html
    assert "<noscript>" in html  # without JavaScript: reload


def test_the_texts_read_in_japanese(client, office, alice):
    booking = booked(office, alice, at=START - dt.timedelta(days=1))
    client.cookies["django_language"] = "ja"
    client.force_login(alice)
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        html = detail(client, booking).content.decode()
    assert "アクセスコード（ミーティングID・パスコード）を準備しています" in html
    assert "この画面とメッセージボックスに表示されます" in html
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        html = detail(client, booking).content.decode()
    assert "この画面からはキャンセルできません" in html
    with time_machine.travel(START + dt.timedelta(minutes=30), tick=False):
        html = detail(client, booking).content.decode()
    assert "相談の時間が終了したため" in html


def test_the_htmx_poll_gets_the_part_alone_and_stops_once_the_code_is_there(client, office, alice):
    now = START - dt.timedelta(days=1)
    booking = booked(office, alice, at=now)
    client.force_login(alice)
    with time_machine.travel(now + dt.timedelta(seconds=5), tick=False):
        response = detail(client, booking, htmx=True)
        part = response.content.decode()
        assert response.status_code == HTTPStatus.OK
        assert "no-store" in response["Cache-Control"]
        assert "HX-Request" in response["Vary"]
        assert "<html" not in part and part.strip().startswith("<section")
        assert "being prepared" in part and 'hx-trigger="every 5s"' in part

        services.issue_room(booking_id=booking.pk)
        part = detail(client, booking, htmx=True).content.decode()
    room = Room.objects.get(booking=booking)
    assert crypto.decrypt(room.passcode_encrypted) in part
    assert "hx-trigger" not in part and "hx-get" not in part  # no more polling
    assert "being prepared" not in part


def test_after_the_end_the_page_says_the_time_is_over_and_does_not_poll(client, office, alice):
    booking = booked(office, alice)
    client.force_login(alice)
    with time_machine.travel(START + dt.timedelta(minutes=30), tick=False):
        html = detail(client, booking).content.decode()
    assert "The consultation time is over" in html
    assert "being prepared" not in html and "hx-trigger" not in html


def test_a_moved_booking_waits_for_its_new_room_as_being_prepared(
    client, office, alice, counsellor, django_capture_on_commit_callbacks
):
    booking = booked(office, alice)
    now = START - dt.timedelta(days=2)
    with time_machine.travel(now, tick=False):
        services.issue_room(booking_id=booking.pk)
        later = make_slot(office, counsellor, START + dt.timedelta(days=1))
        with django_capture_on_commit_callbacks(execute=False):
            services.move_booking(booking=booking, slot_id=later.pk, actor=counsellor.user)
        client.force_login(alice)
        html = detail(client, booking).content.decode()
    assert "being prepared" in html and 'hx-trigger="every 5s"' in html


# --- cancel only before the start --------------------------------------------------------


def cancel_link(booking):
    return f'href="{reverse("booking_cancel", kwargs={"pk": booking.pk})}"'


def test_cancel_is_offered_on_the_booking_page_up_to_the_start_only(client, office, alice):
    booking = booked(office, alice)
    client.force_login(alice)
    with time_machine.travel(START - dt.timedelta(seconds=1), tick=False):
        assert cancel_link(booking) in detail(client, booking).content.decode()
    with time_machine.travel(START, tick=False):
        html = detail(client, booking).content.decode()
    assert cancel_link(booking) not in html
    assert "it can no longer be cancelled here" in html and "0144-32-5221" in html


@pytest.mark.parametrize(
    ("before_start", "offered"),
    [(dt.timedelta(minutes=5), True), (dt.timedelta(seconds=30), False), (dt.timedelta(0), False)],
)
def test_my_page_offers_cancel_only_while_the_start_is_more_than_its_cache_away(
    client, office, alice, before_start, offered
):
    booking = booked(office, alice)
    client.force_login(alice)
    cache.clear()
    with time_machine.travel(START - before_start, tick=False):
        html = client.get(reverse("my_page")).content.decode()
    assert f'href="/me/bookings/{booking.pk}/"' in html  # listed
    assert (cancel_link(booking) in html) is offered


# --- the no-show texts -------------------------------------------------------------------


def no_show(person, office, when):
    return make_confirmed_booking(
        make_slot(office, make_counsellor(office), when),
        person,
        status=Booking.Status.NO_SHOW,
        no_show_at=when + dt.timedelta(minutes=10),
    )


def test_the_no_show_refusal_gives_the_persons_own_count(office, alice):
    now = jst(2026, 11, 24, 15, 0)
    for days in (3, 10, 20):
        no_show(alice, office, now - dt.timedelta(days=days))
    with time_machine.travel(now, tick=False):
        (refusal,) = [r for r in selectors.refusals(alice, office) if r.code == "no_show"]
        assert "3 bookings were cancelled as no-shows in the last 90 days" in refusal.reason
        with translation.override("ja"):
            (refusal,) = [r for r in selectors.refusals(alice, office) if r.code == "no_show"]
    assert "3回" in refusal.reason and "2回" not in refusal.reason


def test_the_no_show_message_gives_the_rules_minutes_in_both_languages(office, alice, settings):
    settings.NO_SHOW_AFTER_MINUTES = 15
    booking = booked(office, alice)
    with time_machine.travel(START + dt.timedelta(minutes=14), tick=False):
        assert services.sweep_no_shows() == 0
    with time_machine.travel(START + dt.timedelta(minutes=15), tick=False):
        assert services.sweep_no_shows() == 1
    message = Message.objects.get(user=booking.user, kind=Message.Kind.NO_SHOW)
    japanese = render_message(message, "ja")
    english = render_message(message, "en")
    assert "15分" in japanese.subject and "15分" in japanese.body
    assert "10分" not in japanese.subject + japanese.body
    assert "15 minutes" in english.body and "10 minutes" not in english.body


# --- an undone no-show gets a valid room back ------------------------------------------


def test_undoing_a_no_show_brings_a_room_and_the_access_code_back(
    client, office, alice, counsellor, monkeypatch, django_capture_on_commit_callbacks
):
    booking = booked(office, alice)
    with time_machine.travel(START - dt.timedelta(hours=1), tick=False):
        services.issue_room(booking_id=booking.pk)
    old_room = Room.objects.get(booking=booking)
    with time_machine.travel(START + dt.timedelta(minutes=10), tick=False):
        assert services.sweep_no_shows() == 1
    old_room.refresh_from_db()
    assert old_room.invalidated_at is not None

    # The worker: the room job that the undo enqueues after commit runs here.
    ran = []

    def worker(args=(), **options):
        ran.append(args)
        return rooms.issue_room(booking_id=args[0])

    monkeypatch.setattr(rooms.issue_room_task, "apply_async", worker)
    back = START + dt.timedelta(minutes=12)
    with time_machine.travel(back, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.undo_no_show(booking=booking, actor=counsellor.user, reason="電話があった")
        assert ran == [(booking.pk,)]
        new_room = Room.objects.valid().get(booking=booking)
        assert new_room.pk != old_room.pk
        client.force_login(alice)
        html = detail(client, booking).content.decode()
    assert crypto.decrypt(new_room.passcode_encrypted) in html
    assert new_room.meeting_id in html
    assert f'href="/me/bookings/{booking.pk}/join/"' in html
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED and not booking.awaiting_room
    assert Message.objects.filter(
        user=alice, kind=Message.Kind.ACCESS_CODE, attachment=f"room:{new_room.pk}"
    ).exists()
