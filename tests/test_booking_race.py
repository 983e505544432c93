"""Races on PostgreSQL: many people press "book" on the same seat at the same moment.

Real threads with their own connections start together at a barrier. A naive
check-then-insert control, run the same way, shows that the test does detect races.
"""

import datetime as dt

import pytest
import time_machine
from django.db import connection, connections

from bookings import services
from bookings.models import Booking
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
ROUNDS = 20


@pytest.fixture
def office():
    return make_office_with_terms(slug="race", municipality_codes=["01213"], booking_limit=1000)


@pytest.fixture
def people(office, make_user):
    return [make_eligible(make_user(f"p{n}@example.jp"), office) for n in range(THREADS)]


def race(worker, count: int = THREADS) -> list:
    """Run worker(i) in `count` threads released together; return what each returned."""
    return run_race(worker, count)


@time_machine.travel(jst(2026, 11, 24, 15, 0))
def test_exactly_one_of_sixteen_wins_the_same_seat_every_round(office, people):
    counsellor = make_counsellor(office)
    for round_number in range(ROUNDS):
        slot = make_slot(
            office, counsellor, jst(2026, 11, 26, 9) + dt.timedelta(minutes=30 * round_number)
        )
        results = race(lambda i, slot=slot: book(office, people[i], slot))
        winners = [r for r in results if isinstance(r, Booking)]
        losers = [r for r in results if isinstance(r, services.BookingError)]
        assert len(winners) == 1, f"round {round_number}: {results}"
        assert len(losers) == THREADS - 1
        assert {loser.code for loser in losers} == {"taken"}
        assert Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE).count() == 1


@time_machine.travel(jst(2026, 11, 24, 15, 0))
def test_exactly_one_wins_the_last_seat_of_a_capacity_three_session(office, people, make_user):
    counsellor = make_counsellor(office)
    for round_number in range(ROUNDS):
        slot = make_slot(
            office,
            counsellor,
            jst(2026, 11, 26, 9) + dt.timedelta(minutes=30 * round_number),
            capacity=3,
        )
        early = [
            make_eligible(make_user(f"e{round_number}-{n}@example.jp"), office) for n in (1, 2)
        ]
        for person in early:
            book(office, person, slot)
        results = race(lambda i, slot=slot: book(office, people[i], slot))
        assert sum(isinstance(r, Booking) for r in results) == 1, f"round {round_number}"
        seats = sorted(
            Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE).values_list(
                "seat", flat=True
            )
        )
        assert seats == [1, 2, 3]


def test_the_naive_check_then_insert_control_does_double_book():
    """Without the lock and the constraints, the same race books one seat many times."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE naive_booking (round integer, person integer)")
    try:
        doubled = 0
        for round_number in range(ROUNDS):

            def naive(i, round_number=round_number):
                with connections["default"].cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM naive_booking WHERE round = %s", [round_number]
                    )
                    if cursor.fetchone()[0] == 0:
                        cursor.execute(
                            "INSERT INTO naive_booking VALUES (%s, %s)", [round_number, i]
                        )
                        return True
                return False

            race(naive)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM naive_booking WHERE round = %s", [round_number]
                )
                doubled += cursor.fetchone()[0] > 1
        assert doubled > 0, "the control never double-booked: the race is not being exercised"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE naive_booking")
