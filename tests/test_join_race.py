"""On PostgreSQL, the person's join and the no-show sweep race for the same booking: the
one that commits first wins, and the booking never ends both joined and a no-show."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connections, transaction

from bookings import services
from bookings.models import Booking
from tests.factories import (
    jst,
    make_confirmed_booking,
    make_counsellor,
    make_office,
    make_slot,
)
from tests.support.worker import wait_for

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
    assert len(outcomes) >= 1  # each round had exactly one winner


@time_machine.travel(jst(2026, 11, 26, 10, 10))
def test_a_join_that_came_first_wins(make_user):
    office = make_office(slug="first")
    booking = confirmed_booking(office, make_counsellor(office), make_user(), jst(2026, 11, 26, 10))
    services.record_join(booking=booking, now=jst(2026, 11, 26, 10, 9))
    assert services.sweep_no_shows() == 0
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED and booking.joined_at is not None


def lock_waiters() -> int:
    """Backends of this database waiting for a row lock right now."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def join_then_sweep_while_the_join_is_uncommitted(booking, start, sweep) -> int:
    """The join's transaction holds the booking's row while `sweep` runs and waits for it
    (seen in pg_stat_activity, not guessed with a sleep); then the join commits."""
    joined, release = threading.Event(), threading.Event()
    swept: list[int] = []

    def join() -> None:
        with transaction.atomic():
            services.record_join(booking=booking, now=start + dt.timedelta(minutes=5))
            joined.set()
            release.wait(30)
        connections.close_all()

    def sweeper() -> None:
        joined.wait(30)
        swept.append(sweep(now=start + dt.timedelta(minutes=10)))
        connections.close_all()

    threads = [threading.Thread(target=join), threading.Thread(target=sweeper)]
    for thread in threads:
        thread.start()
    wait_for(lambda: lock_waiters() > 0, timeout=30, what="the sweep waiting for the join's lock")
    release.set()
    for thread in threads:
        thread.join(30)
    return swept[0]


def naive_sweep(*, now: dt.datetime) -> int:
    """The naive control: pick the due bookings, then cancel them by id alone (the UPDATE
    does not repeat the conditions, so it cannot see a join that committed meanwhile)."""
    due = list(
        Booking.objects.filter(
            status=Booking.Status.CONFIRMED,
            joined_at__isnull=True,
            slot__starts_at__lte=now - dt.timedelta(minutes=10),
        ).values_list("pk", flat=True)
    )
    return Booking.objects.filter(pk__in=due).update(
        status=Booking.Status.NO_SHOW, no_show_at=now, cancelled_at=now
    )


def test_a_sweep_that_waits_for_a_join_sees_it_and_cancels_nothing(make_user):
    office = make_office(slug="wait")
    start = jst(2026, 11, 26, 10)
    booking = confirmed_booking(office, make_counsellor(office), make_user(), start)
    swept = join_then_sweep_while_the_join_is_uncommitted(booking, start, services.sweep_no_shows)
    booking.refresh_from_db()
    assert swept == 0
    assert booking.joined_at is not None and booking.status == Booking.Status.CONFIRMED


def test_the_naive_control_cancels_a_booking_that_was_joined(make_user):
    """The same interleaving with the naive sweep ends with a booking both joined and a
    no-show: the test above could fail, and would with such a sweep."""
    office = make_office(slug="naive")
    start = jst(2026, 11, 26, 10)
    booking = confirmed_booking(office, make_counsellor(office), make_user(), start)
    swept = join_then_sweep_while_the_join_is_uncommitted(booking, start, naive_sweep)
    booking.refresh_from_db()
    assert swept == 1
    assert booking.joined_at is not None and booking.status == Booking.Status.NO_SHOW
