"""Races of the person's own move (予約の変更) on PostgreSQL, with real threads and their own
connections:

- several people move their bookings into the same free slot at the same moment: exactly
  one wins, every other booking stays where it was, and the seats add up;
- a person moves their booking while staff cancel it on their behalf: whichever commits
  first, the booking ends cancelled, holding no seat, with a history that says what
  happened, never moved-and-alive after its cancellation.

Naive controls, run the same way, show that the races are exercised: a check-then-move
without the locks puts two people in one seat, and a move that reads the booking without
its lock brings a booking that staff cancelled back to life.
"""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, connections, transaction

from bookings import services
from bookings.models import Booking, BookingEvent, Room, Slot
from bookings.services.bookings import _take_seat
from tests.factories import (
    book,
    jst,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
    make_staff,
)
from tests.support.worker import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOW = jst(2026, 11, 24, 15, 0)  # a Tuesday afternoon: the next weeks are open
PEOPLE = 8
ROUNDS = 20


@pytest.fixture
def office():
    return make_office_with_terms(
        slug="move-race", municipality_codes=["01213"], booking_limit=1000, move_limit=1000
    )


def race(workers: list) -> list:
    """Run each worker in its own thread, released together; return what each returned."""
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = workers[i]()
        except Exception as error:
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def active_in(slot: Slot) -> int:
    return Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE).count()


# --- several people, one free slot ------------------------------------------------------


@time_machine.travel(NOW)
def test_exactly_one_of_eight_people_moves_into_the_same_free_slot_every_round(office, make_user):
    counsellors = [make_counsellor(office) for _ in range(PEOPLE + 1)]
    people = [make_eligible(make_user(f"m{n}@example.jp"), office) for n in range(PEOPLE)]
    for round_number in range(ROUNDS):
        day = jst(2026, 11, 26, 8) + dt.timedelta(days=7 * (round_number // 10))
        start = day + dt.timedelta(hours=round_number % 10)
        # Each person holds a booking on the next day; all want the same free time.
        bookings = [
            book(office, people[i], make_slot(office, counsellors[i], start + dt.timedelta(days=1)))
            for i in range(PEOPLE)
        ]
        old_slots = [booking.slot for booking in bookings]
        free = make_slot(office, counsellors[PEOPLE], start)
        results = race(
            [
                lambda b=booking, free=free: services.reschedule_booking(
                    booking=b, user=b.user, slot_id=free.pk
                )
                for booking in bookings
            ]
        )
        winners = [r for r in results if isinstance(r, Booking)]
        losers = [r for r in results if isinstance(r, services.BookingError)]
        assert len(winners) == 1, f"round {round_number}: {results}"
        assert len(losers) == PEOPLE - 1 and {loser.code for loser in losers} == {"taken"}
        assert active_in(free) == 1
        # Every booking holds exactly one seat: the winner's old one is free, the others
        # are where they were, and nothing was counted or logged for a move that failed.
        for booking in bookings:
            booking.refresh_from_db()
            assert booking.is_active
            moved = booking.pk == winners[0].pk
            assert (booking.slot_id == free.pk) == moved
            assert booking.times_moved == int(moved)
            assert booking.events.filter(action=BookingEvent.Action.MOVED).count() == int(moved)
        assert sum(active_in(slot) for slot in old_slots) + active_in(free) == PEOPLE


def test_the_naive_check_then_move_control_puts_two_people_in_one_seat():
    """Without the locks and the constraints, the same race moves several bookings into
    one seat (a table of its own: the portal's constraints would refuse it)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE naive_move (round integer, booking integer, slot integer)")
    try:
        doubled = 0
        for round_number in range(ROUNDS):
            with connection.cursor() as cursor:
                for i in range(PEOPLE):
                    cursor.execute(
                        "INSERT INTO naive_move VALUES (%s, %s, %s)", [round_number, i, i + 1]
                    )

            def naive(i, round_number=round_number):
                with transaction.atomic(), connections["default"].cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM naive_move WHERE round = %s AND slot = 0",
                        [round_number],
                    )
                    if cursor.fetchone()[0] == 0:
                        cursor.execute(
                            "UPDATE naive_move SET slot = 0 WHERE round = %s AND booking = %s",
                            [round_number, i],
                        )
                        return True
                return False

            race([lambda i=i: naive(i) for i in range(PEOPLE)])
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM naive_move WHERE round = %s AND slot = 0",
                    [round_number],
                )
                doubled += cursor.fetchone()[0] > 1
        print(f"naive control: one seat taken by several moves in {doubled}/{ROUNDS} rounds")
        assert doubled > 0, "the control never double-booked: the race is not being exercised"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE naive_move")


# --- the person moves while staff cancel -------------------------------------------------


@pytest.fixture
def world(office, make_user):
    counsellor = make_counsellor(office)
    staff = make_staff(office, "counsellor")
    person = make_eligible(make_user("mover@example.jp"), office)
    return counsellor, staff, person


def consistent_end(booking: Booking, old: Slot, new: Slot) -> str:
    """Assert what must hold however the move and the cancellation interleaved; return
    which came first ("moved, then cancelled" or "cancelled")."""
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert active_in(old) == 0 and active_in(new) == 0  # the seats add up: none held
    assert not Room.objects.valid().filter(booking=booking).exists()
    assert booking.events.filter(action=BookingEvent.Action.CANCELLED_BY_STAFF).count() == 1
    moves = booking.events.filter(action=BookingEvent.Action.MOVED).count()
    assert booking.slot_id in (old.pk, new.pk)
    assert moves == booking.times_moved == int(booking.slot_id == new.pk)
    if moves:
        moved_at = booking.events.get(action=BookingEvent.Action.MOVED).pk
        cancelled_at = booking.events.get(action=BookingEvent.Action.CANCELLED_BY_STAFF).pk
        assert moved_at < cancelled_at  # never moved after it was cancelled
        return "moved, then cancelled"
    return "cancelled"


def cancel(booking: Booking, staff) -> Booking:
    return services.cancel_booking(
        booking=booking, actor=staff, reason="電話でキャンセル", on_behalf=True
    )


@time_machine.travel(NOW)
def test_a_move_and_a_staff_cancellation_at_the_same_moment_end_consistently(office, world):
    counsellor, staff, person = world
    outcomes = set()
    for round_number in range(ROUNDS):
        start = jst(2026, 11, 26, 8) + dt.timedelta(hours=round_number)
        old = make_slot(office, counsellor, start)
        new = make_slot(office, counsellor, start + dt.timedelta(days=1))
        booking = book(office, person, old)
        services.issue_room(booking_id=booking.pk)
        results = race(
            [
                lambda b=booking, new=new: services.reschedule_booking(
                    booking=b, user=person, slot_id=new.pk
                ),
                lambda b=booking: cancel(b, staff),
            ]
        )
        assert not isinstance(results[1], Exception), f"round {round_number}: {results}"
        if isinstance(results[0], Exception):
            assert isinstance(results[0], services.BookingError), results[0]
            assert results[0].code == "state"
        outcomes.add(consistent_end(booking, old, new))
    print(f"outcomes seen: {sorted(outcomes)}")


def lock_waiters() -> int:
    """Backends of this database waiting for a lock right now."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def while_uncommitted(first, second) -> list:
    """`first` runs in a transaction that stays open while `second` runs and waits for its
    lock (seen in pg_stat_activity, not guessed with a sleep); then `first` commits."""
    done, release = threading.Event(), threading.Event()
    results: list = [None, None]

    def hold() -> None:
        try:
            with transaction.atomic():
                results[0] = first()
                done.set()
                release.wait(30)
        except Exception as error:
            results[0] = error
            done.set()
        finally:
            connections.close_all()

    def follow() -> None:
        done.wait(30)
        try:
            results[1] = second()
        except Exception as error:
            results[1] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hold), threading.Thread(target=follow)]
    for thread in threads:
        thread.start()
    wait_for(lambda: lock_waiters() > 0, timeout=30, what="the second waiting for the lock")
    release.set()
    for thread in threads:
        thread.join(30)
    return results


@pytest.fixture
def one_booking(office, world):
    counsellor, staff, person = world
    with time_machine.travel(NOW, tick=False):
        old = make_slot(office, counsellor, jst(2026, 11, 26, 10))
        new = make_slot(office, counsellor, jst(2026, 11, 27, 14))
        booking = book(office, person, old)
        services.issue_room(booking_id=booking.pk)
    return booking, old, new, staff, person


@time_machine.travel(NOW)
def test_a_move_that_waits_for_a_cancellation_sees_it_and_moves_nothing(one_booking):
    booking, old, new, staff, person = one_booking
    moved, cancelled = reversed(
        while_uncommitted(
            lambda: cancel(booking, staff),
            lambda: services.reschedule_booking(booking=booking, user=person, slot_id=new.pk),
        )
    )
    assert isinstance(moved, services.BookingError) and moved.code == "state"
    assert isinstance(cancelled, Booking)
    assert consistent_end(booking, old, new) == "cancelled"


@time_machine.travel(NOW)
def test_a_cancellation_that_waits_for_a_move_cancels_the_moved_booking(one_booking):
    booking, old, new, staff, person = one_booking
    moved, cancelled = while_uncommitted(
        lambda: services.reschedule_booking(booking=booking, user=person, slot_id=new.pk),
        lambda: cancel(booking, staff),
    )
    assert isinstance(moved, Booking) and isinstance(cancelled, Booking)
    assert consistent_end(booking, old, new) == "moved, then cancelled"


def naive_move(booking: Booking, slot: Slot) -> Booking | None:
    """The naive control: the move's checks and work on a booking read without its lock,
    then saved whole (the stale status with it)."""
    with transaction.atomic():
        current = Booking.objects.select_related("slot").get(pk=booking.pk)
        if not current.is_active:
            return None
        current.slot = slot
        current.seat = _take_seat(slot)
        current.save()
        return current


@time_machine.travel(NOW)
def test_the_naive_control_brings_a_cancelled_booking_back_to_life(one_booking):
    """The same interleaving with the naive move ends with a booking that staff cancelled
    active again in the new slot: the tests above could fail, and would with such a move."""
    booking, _old, new, staff, _person = one_booking
    cancelled, moved = while_uncommitted(
        lambda: cancel(booking, staff), lambda: naive_move(booking, new)
    )
    assert isinstance(cancelled, Booking) and isinstance(moved, Booking)
    booking.refresh_from_db()
    assert booking.events.filter(action=BookingEvent.Action.CANCELLED_BY_STAFF).count() == 1
    assert booking.status == Booking.Status.CONFIRMED and booking.slot == new
    assert active_in(new) == 1
