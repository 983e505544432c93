"""Seats of a session on PostgreSQL: 32 people press "book" on a seminar of 5 seats at the
same moment. Real threads with their own connections start together at a barrier (as in
tests/test_booking_race.py); a naive count-then-insert control, run the same way,
oversells, which shows that the test does exercise the race."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, connection, connections, transaction

from bookings import services
from bookings.models import Booking, SessionKind, Slot
from tests.factories import (
    book,
    jst,
    make_confirmed_booking,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
)
from tests.test_booking_race import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 32
CAPACITY = 5
ROUNDS = 4


@pytest.fixture
def office():
    return make_office_with_terms(slug="seminars", municipality_codes=["01213"], booking_limit=1)


@pytest.fixture
def people(office, make_user):
    return [make_eligible(make_user(f"p{n}@example.jp"), office) for n in range(THREADS)]


def seminar(office, counsellor, starts_at: dt.datetime, capacity: int = CAPACITY) -> Slot:
    return Slot.objects.create(
        office=office,
        counsellor=counsellor,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=60),
        kind=SessionKind.SEMINAR,
        capacity=capacity,
        title="セミナー",
    )


@time_machine.travel(jst(2026, 11, 24, 15, 0))
def test_thirty_two_people_never_hold_more_than_the_five_seats(office, people):
    counsellor = make_counsellor(office)
    for round_number in range(ROUNDS):
        slot = seminar(office, counsellor, jst(2026, 11, 26, 9) + dt.timedelta(hours=round_number))
        results = race(lambda i, slot=slot: book(office, people[i], slot), THREADS)
        winners = [r for r in results if isinstance(r, Booking)]
        losers = [r for r in results if isinstance(r, services.BookingError)]
        assert len(winners) == CAPACITY, f"round {round_number}: {results}"
        assert len(losers) == THREADS - CAPACITY
        assert {loser.code for loser in losers} == {"taken"}
        held = Booking.objects.filter(slot=slot, status=Booking.Status.CONFIRMED)
        assert held.count() == CAPACITY  # confirmed at once, none beyond the capacity
        assert sorted(held.values_list("seat", flat=True)) == list(range(1, CAPACITY + 1))
        assert held.values("user").distinct().count() == CAPACITY
        # Seminars do not count against the consultation limit (booking_limit=1): each
        # round the same people book again.


@time_machine.travel(jst(2026, 11, 24, 15, 0))
def test_the_database_refuses_a_seat_beyond_the_capacity_and_a_lower_capacity(office, people):
    counsellor = make_counsellor(office)
    slot = seminar(office, counsellor, jst(2026, 11, 26, 10), capacity=2)
    make_confirmed_booking(slot, people[0], seat=1)
    make_confirmed_booking(slot, people[1], seat=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_confirmed_booking(slot, people[2], seat=3)  # a third seat of two
    with pytest.raises(IntegrityError), transaction.atomic():
        make_confirmed_booking(slot, people[2], seat=2)  # the same seat twice
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(capacity=1)  # below the seats held
    Slot.objects.filter(pk=slot.pk).update(capacity=3)  # a raise is fine
    assert Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE).count() == 2


def test_the_naive_count_then_insert_control_does_oversell():
    """Without the slot's lock, the seat constraints and the capacity trigger, the same
    race seats more people than the capacity."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE naive_seat (round integer, person integer)")
    try:
        oversold = 0
        for round_number in range(ROUNDS):

            def naive(i, round_number=round_number):
                with connections["default"].cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM naive_seat WHERE round = %s", [round_number]
                    )
                    if cursor.fetchone()[0] < CAPACITY:
                        cursor.execute("INSERT INTO naive_seat VALUES (%s, %s)", [round_number, i])
                        return True
                return False

            race(naive, THREADS)
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM naive_seat WHERE round = %s", [round_number])
                oversold += cursor.fetchone()[0] > CAPACITY
        assert oversold > 0, "the control never oversold: the race is not being exercised"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE naive_seat")
