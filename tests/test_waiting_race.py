"""Races on PostgreSQL around a full session's waiting list.

Real threads with their own connections start together at a barrier (as in
tests/test_booking_race.py): people join while seats free and others try to book the
freed seats directly; the people offered a seat accept it (pressing twice) while others
try to take it; two sweeps run at once. A naive check-then-insert queue, run the same
way, shows that the test does detect races.
"""

import datetime as dt

import pytest
import time_machine
from django.db import connection, connections

from accounts.models import Message
from bookings import services
from bookings.errors import BookingError
from bookings.models import Booking, SessionKind, Slot, WaitingEntry
from tests.factories import (
    book,
    jst,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
)
from tests.support.races import race as run_race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16
ROUNDS = 8
NOW = jst(2026, 11, 24, 15, 0)


@pytest.fixture
def office():
    return make_office_with_terms(
        slug="waiting-race", municipality_codes=["01213"], booking_limit=1000
    )


@pytest.fixture
def people(office, make_user):
    return [make_eligible(make_user(f"w{n}@example.jp"), office) for n in range(22)]


def race(worker, count: int = THREADS) -> list:
    """Run worker(i) in `count` threads released together; return what each returned."""
    return run_race(worker, count)


def full_session(office, counsellor, holders, round_number: int) -> Slot:
    slot = make_slot(
        office,
        counsellor,
        jst(2026, 11, 26, 9) + dt.timedelta(hours=round_number),
        capacity=len(holders),
        minutes=60,
    )
    Slot.objects.filter(pk=slot.pk).update(kind=SessionKind.SESSION)
    slot.refresh_from_db()
    for person in holders:
        book(office, person, slot)
    return slot


def active_bookings(slot) -> list[Booking]:
    return list(Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE))


@time_machine.travel(NOW)
def test_joining_while_seats_free_keeps_a_strict_order_and_one_booking_per_seat(office, people):
    """Per round: two seats free at once while seven people join the list and seven
    outsiders (and, then, everyone) try to book directly; then the two people offered a
    seat accept it, each pressing three times, while ten others try to book."""
    counsellor = make_counsellor(office)
    holders, early, joiners, outsiders = people[:2], people[2:6], people[6:13], people[13:20]
    for round_number in range(ROUNDS):
        slot = full_session(office, counsellor, holders, round_number)
        for person in early:
            services.join_waiting_list(user=person, office=office, slot_id=slot.pk)
        seats = {b.user_id: b for b in active_bookings(slot)}

        def phase_one(i, slot=slot, seats=seats):
            if i < 2:
                return services.cancel_booking(booking=seats[holders[i].pk], actor=holders[i])
            if i < 9:
                return services.join_waiting_list(
                    user=joiners[i - 2], office=office, slot_id=slot.pk
                )
            return book(office, outsiders[i - 9], slot)

        results = race(phase_one)
        where = f"round {round_number}: {results}"

        # Nobody took a freed seat past the queue: no booking at all.
        assert active_bookings(slot) == [], where
        refused = [r for r in results[9:] if isinstance(r, BookingError)]
        assert len(refused) == 7, where
        assert {r.code for r in refused} == {"waiting_list"}, where
        # The seven who joined were told places 5 to 11, each a different one, and the
        # queue's order is the order of those places.
        joined = results[2:9]
        assert all(isinstance(r, WaitingEntry) for r in joined), where
        told = sorted((entry.pk, entry.position) for entry in joined)
        assert [position for _pk, position in told] == list(range(5, 12)), where
        # The two freed seats were offered to the first two who were waiting, once each.
        offered = WaitingEntry.objects.filter(slot=slot, status="offered").order_by("pk")
        assert [e.user_id for e in offered] == [p.pk for p in early[:2]], where
        for entry in offered:
            assert Message.objects.filter(key=f"waiting-offer:{entry.pk}").count() == 1
        others = WaitingEntry.objects.filter(slot=slot).exclude(pk__in=[e.pk for e in offered])
        assert not Message.objects.filter(
            key__in=[f"waiting-offer:{pk}" for pk in others.values_list("pk", flat=True)]
        ).exists(), where

        entries = {e.user_id: e for e in offered}

        def phase_two(i, slot=slot, entries=entries):
            if i < 6:
                person = early[i % 2]
                return services.accept_offer(entry_id=entries[person.pk].pk, user=person)
            return book(office, (early[2:] + joiners + outsiders)[i - 6], slot)

        results = race(phase_two)
        where = f"round {round_number}: {results}"
        booked = active_bookings(slot)
        assert sorted(b.user_id for b in booked) == sorted(p.pk for p in early[:2]), where
        assert sorted(b.seat for b in booked) == [1, 2], where
        assert sum(isinstance(r, Booking) for r in results) == 2, where


@time_machine.travel(NOW)
def test_two_sweeps_at_once_expire_an_offer_once_and_offer_the_seat_once(office, people):
    counsellor = make_counsellor(office)
    holders, waiting = people[:2], people[2:5]
    for round_number in range(ROUNDS):
        slot = full_session(office, counsellor, holders, round_number)
        for person in waiting:
            services.join_waiting_list(user=person, office=office, slot_id=slot.pk)
        booking = Booking.objects.get(slot=slot, user=holders[0])
        services.cancel_booking(booking=booking, actor=holders[0])  # offers to waiting[0]
        first = WaitingEntry.objects.get(slot=slot, user=waiting[0])
        assert first.status == WaitingEntry.Status.OFFERED

        with time_machine.travel(NOW + dt.timedelta(hours=25), tick=False):
            results = race(lambda i: services.sweep_waiting_lists(), count=8)

        where = f"round {round_number}: {results}"
        assert all(isinstance(r, int) for r in results), where
        assert sum(results) == 1, where
        statuses = [WaitingEntry.objects.get(slot=slot, user=person).status for person in waiting]
        assert statuses == ["expired", "offered", "waiting"], where
        second = WaitingEntry.objects.get(slot=slot, user=waiting[1])
        assert Message.objects.filter(key=f"waiting-offer:{second.pk}").count() == 1
        assert Message.objects.filter(key=f"waiting-offer-expired:{first.pk}").count() == 1
        # Clean up the round: the seat goes back to a holder for the next session.
        services.close_waiting_list(slot=slot, reason="round over")


def test_the_naive_check_then_insert_queue_control_does_hand_out_a_place_twice():
    """Without the slot's lock, people joining at once are told the same place."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE naive_queue (round integer, person integer, place integer)")
    try:
        doubled = 0
        for round_number in range(ROUNDS):

            def naive(i, round_number=round_number):
                with connections["default"].cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM naive_queue WHERE round = %s", [round_number]
                    )
                    place = cursor.fetchone()[0] + 1
                    cursor.execute(
                        "INSERT INTO naive_queue VALUES (%s, %s, %s)", [round_number, i, place]
                    )
                    return place

            places = race(naive)
            doubled += len(set(places)) < len(places)
        assert doubled > 0, "the control never handed out a place twice: no race exercised"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE naive_queue")
