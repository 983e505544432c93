"""On PostgreSQL, the person's join and the no-show sweep race for the same booking: the
one that commits first wins, and the booking never ends both joined and a no-show."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connections

from bookings import services
from bookings.models import Booking
from tests.factories import (
    jst,
    make_confirmed_booking,
    make_counsellor,
    make_office,
    make_slot,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 20


def confirmed_booking(office, counsellor, person, start):
    return make_confirmed_booking(make_slot(office, counsellor, start), person)


def test_join_and_sweep_at_the_same_moment_never_both_win(make_user):
    office = make_office(slug="race")
    counsellor = make_counsellor(office)
    person = make_user()
    outcomes = set()
    for round_number in range(ROUNDS):
        start = jst(2026, 11, 26, 8) + dt.timedelta(minutes=30 * round_number)
        booking = confirmed_booking(office, counsellor, person, start)
        barrier = threading.Barrier(2)

        def join(booking=booking, barrier=barrier):
            barrier.wait(10)
            services.record_join(booking=booking)
            connections.close_all()

        def sweep(start=start, barrier=barrier):
            barrier.wait(10)
            services.sweep_no_shows(now=start + dt.timedelta(minutes=10))
            connections.close_all()

        threads = [threading.Thread(target=join), threading.Thread(target=sweep)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        booking.refresh_from_db()
        joined, no_show = booking.joined_at is not None, booking.status == Booking.Status.NO_SHOW
        assert joined != no_show, f"round {round_number}: joined={joined} no_show={no_show}"
        outcomes.add("join" if joined else "sweep")
    assert outcomes  # each round had exactly one winner


@time_machine.travel(jst(2026, 11, 26, 10, 10))
def test_a_join_that_came_first_wins(make_user):
    office = make_office(slug="first")
    booking = confirmed_booking(office, make_counsellor(office), make_user(), jst(2026, 11, 26, 10))
    services.record_join(booking=booking, now=jst(2026, 11, 26, 10, 9))
    assert services.sweep_no_shows() == 0
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED and booking.joined_at is not None
