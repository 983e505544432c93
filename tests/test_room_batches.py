"""A room job also makes the rooms of other confirmed bookings awaiting theirs (local
providers only, up to ROOM_BATCH, never one another transaction holds); the jobs of those
bookings then find their room and write nothing."""

import datetime as dt
import random
import threading

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Message
from bookings import services
from bookings.models import Booking, Room
from bookings.services import rooms
from portal import crypto
from tests.factories import (
    jst,
    make_confirmed_booking,
    make_counsellor,
    make_office,
    make_slot,
)

pytestmark = pytest.mark.django_db
NOW = jst(2026, 11, 24, 15, 0)
FIRST_SLOT = jst(2026, 11, 26, 9, 0)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=True):
        yield


def confirmed(office, person, start, *, awaiting=True, counsellor=None):
    slot = make_slot(office, counsellor or make_counsellor(office), start)
    return make_confirmed_booking(slot, person, confirmed_at=NOW, awaiting_room=awaiting)


def many(office, make_user, count, prefix="p"):
    counsellor = make_counsellor(office)
    return [
        confirmed(
            office,
            make_user(f"{prefix}{n}@example.jp"),
            FIRST_SLOT + dt.timedelta(minutes=30 * n),
            counsellor=counsellor,
        )
        for n in range(count)
    ]


def access_codes():
    return Message.objects.filter(kind=Message.Kind.ACCESS_CODE)


def assert_one_room_and_one_message_each(bookings):
    for booking in bookings:
        room = Room.objects.valid().get(booking=booking)
        message = access_codes().get(user=booking.user)
        assert message.attachment == f"room:{room.pk}"
        assert len(crypto.decrypt(room.passcode_encrypted)) == 8
    assert not Booking.objects.filter(pk__in=[b.pk for b in bookings], awaiting_room=True)


def test_one_job_makes_the_rooms_of_the_others_awaiting_and_theirs_write_nothing(make_user):
    office = make_office(slug="j", meeting_provider="jitsi")
    bookings = many(office, make_user, 4)
    first = services.issue_room(booking_id=bookings[2].pk)
    assert Room.objects.count() == 4 and access_codes().count() == 4
    assert_one_room_and_one_message_each(bookings)
    assert first == Room.objects.get(booking=bookings[2]).pk
    for booking in bookings:
        with CaptureQueriesContext(connection) as captured:
            room_id = services.issue_room(booking_id=booking.pk)
        assert room_id == Room.objects.get(booking=booking).pk
        assert len(captured.captured_queries) == 1  # found its room: nothing else
    assert Room.objects.count() == 4 and access_codes().count() == 4


def test_a_batch_takes_at_most_room_batch_bookings_the_oldest_confirmed_first(
    make_user, monkeypatch
):
    monkeypatch.setattr(rooms, "ROOM_BATCH", 3)
    office = make_office(slug="j", meeting_provider="jitsi")
    bookings = many(office, make_user, 5)
    for age, booking in enumerate(bookings):
        Booking.objects.filter(pk=booking.pk).update(confirmed_at=NOW - dt.timedelta(minutes=age))
    services.issue_room(booking_id=bookings[0].pk)
    assert set(Room.objects.values_list("booking_id", flat=True)) == {
        bookings[0].pk,  # its own
        bookings[4].pk,  # confirmed first
        bookings[3].pk,
    }
    assert set(Booking.objects.filter(awaiting_room=True)) == {bookings[1], bookings[2]}


def test_only_bookings_awaiting_a_room_that_a_local_provider_makes_are_taken(make_user):
    jitsi = make_office(slug="j", meeting_provider="jitsi")
    zoom = make_office(slug="z", meeting_provider="zoom")
    person = make_user("a@example.jp")
    mine = confirmed(jitsi, person, FIRST_SLOT)
    not_awaiting = confirmed(jitsi, make_user("b@example.jp"), FIRST_SLOT, awaiting=False)
    at_zoom = confirmed(zoom, make_user("c@example.jp"), FIRST_SLOT)
    cancelled = confirmed(jitsi, make_user("d@example.jp"), FIRST_SLOT)
    Booking.objects.filter(pk=cancelled.pk).update(status=Booking.Status.CANCELLED)
    ended = confirmed(jitsi, make_user("e@example.jp"), NOW - dt.timedelta(hours=1))
    services.issue_room(booking_id=mine.pk)
    assert list(Room.objects.values_list("booking_id", flat=True)) == [mine.pk]
    for booking in (at_zoom, ended):
        booking.refresh_from_db()
        assert booking.awaiting_room  # left to its own job (or, if ended, to nobody)
    assert not_awaiting.rooms.count() == 0


def test_a_job_for_a_provider_that_calls_out_makes_only_its_own_room(make_user):
    fixed = make_office(slug="f", meeting_provider="fixed")
    counsellor = make_counsellor(fixed)
    counsellor.fixed_meeting_id = "123 456 7890"
    counsellor.fixed_passcode_encrypted = crypto.encrypt("246810")
    counsellor.fixed_join_url = "https://meet.example.jp/r/123"
    counsellor.save()
    jitsi = make_office(slug="j", meeting_provider="jitsi")
    mine = confirmed(fixed, make_user("a@example.jp"), FIRST_SLOT, counsellor=counsellor)
    other = confirmed(jitsi, make_user("b@example.jp"), FIRST_SLOT)
    services.issue_room(booking_id=mine.pk)
    assert list(Room.objects.values_list("booking_id", flat=True)) == [mine.pk]
    other.refresh_from_db()
    assert other.awaiting_room


def test_an_out_of_date_hint_makes_no_second_room_and_is_cleared(make_user):
    office = make_office(slug="j", meeting_provider="jitsi")
    [served] = many(office, make_user, 1, prefix="s")
    room_id = services.issue_room(booking_id=served.pk)
    Booking.objects.filter(pk=served.pk).update(awaiting_room=True)  # as if never cleared
    [mine] = many(office, make_user, 1, prefix="m")
    services.issue_room(booking_id=mine.pk)
    assert list(Room.objects.filter(booking=served).values_list("pk", flat=True)) == [room_id]
    assert access_codes().filter(user=served.user).count() == 1
    assert not Booking.objects.filter(awaiting_room=True).exists()


def test_confirming_and_moving_a_confirmed_booking_set_the_hint(make_user):
    office = make_office(slug="j", meeting_provider="jitsi")
    counsellor = make_counsellor(office)
    booking = Booking.objects.create(
        slot=make_slot(office, counsellor, FIRST_SLOT),
        user=make_user(),
        status=Booking.Status.REQUESTED,
        full_name="山田 花子",
        full_name_kana="ヤマダ ハナコ",
        phone="090-1234-5678",
    )
    with transaction.atomic():
        services.confirm_booking(booking=booking)
    booking.refresh_from_db()
    assert booking.awaiting_room
    services.issue_room(booking_id=booking.pk)
    booking.refresh_from_db()
    assert not booking.awaiting_room
    later = make_slot(office, counsellor, FIRST_SLOT + dt.timedelta(days=1))
    services.move_booking(booking=booking, slot_id=later.pk, actor=None, reason="都合")
    booking.refresh_from_db()
    assert booking.awaiting_room and not booking.rooms.valid().exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_jobs_running_at_once_make_exactly_one_room_and_one_message_per_booking(make_user):
    office = make_office(slug="j", meeting_provider="jitsi")
    bookings = many(office, make_user, 24)
    ids = [booking.pk for booking in bookings]
    barrier = threading.Barrier(4)
    failures = []

    def worker(seed: int) -> None:
        order = ids[:]
        random.Random(seed).shuffle(order)
        try:
            barrier.wait(10)
            for booking_id in order:
                services.issue_room(booking_id=booking_id)
        except Exception as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert Room.objects.count() == 24 and access_codes().count() == 24
    assert_one_room_and_one_message_each(bookings)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_booking_another_transaction_holds_is_left_to_it(make_user):
    office = make_office(slug="j", meeting_provider="jitsi")
    held, mine = many(office, make_user, 2)
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                Booking.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        services.issue_room(booking_id=mine.pk)  # does not wait for the held booking
        assert list(Room.objects.values_list("booking_id", flat=True)) == [mine.pk]
    finally:
        release.set()
        holder.join(30)
    held.refresh_from_db()
    assert held.awaiting_room
    services.issue_room(booking_id=held.pk)
    assert_one_room_and_one_message_each([held, mine])
