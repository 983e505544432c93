"""Sweeps: the no-show sweep and the room sweeper, with a few rows due, as the table grows."""

import datetime as dt
import statistics
import time


def make_due_rows(office, count: int) -> list[int]:
    """`count` confirmed bookings that started 15 minutes ago with no join (for the no-show
    sweep) and `count` confirmed bookings without a room (for the room sweeper), each on a
    counsellor of its own so that no slots overlap."""
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from bookings.models import Booking, Counsellor, Slot

    now = timezone.now().replace(second=0, microsecond=0)
    people = list(User.objects.filter(email__startswith="bench-p")[:count])
    counsellors = list(Counsellor.objects.filter(office=office)[:count])
    made = []
    for person, counsellor in zip(people, counsellors, strict=False):
        for start in (now - dt.timedelta(minutes=15), now + dt.timedelta(days=70, minutes=7)):
            slot = Slot.objects.create(
                office=office,
                counsellor=counsellor,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=30),
            )
            booking = Booking.objects.create(
                slot=slot,
                user=person,
                status=Booking.Status.CONFIRMED,
                confirmed_at=now - dt.timedelta(hours=1),
                full_name="ベンチ",
                full_name_kana="ベンチ",
                phone="+81901234567",
            )
            made.append(booking.pk)
    # Statistics as in a running portal, where the share of confirmed bookings (and the
    # rooms) changes slowly and autovacuum keeps them current; the bulk load just made them
    # stale, and a plan built on "no confirmed booking, no room" would measure nothing real.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE bookings_booking; ANALYZE bookings_room;")
    return made


def _seconds(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def time_sweeps(office, due: int, idle_sweeps: int) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from bookings.models import Booking
    from bookings.services import sweep_no_shows, sweep_rooms

    made = make_due_rows(office, due)
    start = time.perf_counter()
    swept = sweep_no_shows()
    no_show_seconds = time.perf_counter() - start
    start = time.perf_counter()
    sent = sweep_rooms()
    room_seconds = time.perf_counter() - start
    # The steady state: the sweeps run every minute, mostly finding nothing new to do.
    idle_no_show, idle_rooms = [], []
    for _ in range(idle_sweeps):
        idle_no_show.append(_seconds(sweep_no_shows))
        idle_rooms.append(_seconds(sweep_rooms))
    # No worker runs here, so the rows the room sweeper re-sent are still due: close them,
    # so that the next measurement starts with exactly its own due rows.
    Booking.objects.filter(pk__in=made, status=Booking.Status.CONFIRMED).update(
        status=Booking.Status.CANCELLED, cancelled_at=dt.datetime.now(dt.UTC)
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bookings_booking")
        total = cursor.fetchone()[0]
    deadline = timezone.now() - dt.timedelta(minutes=settings.NO_SHOW_AFTER_MINUTES)
    plan = (
        Booking.objects.filter(
            slot__starts_at__lte=deadline,
            status=Booking.Status.CONFIRMED,
            joined_at__isnull=True,
            started_at__isnull=True,
            contacted_at__isnull=True,
        )
        .values_list("pk", flat=True)
        .explain()
    )
    return {
        "bookings_in_table": total,
        "no_show_sweep_seconds": round(no_show_seconds, 4),
        "no_shows_cancelled": swept,
        "room_sweep_seconds": round(room_seconds, 4),
        "rooms_resent": sent,
        "no_show_sweep_median_seconds": round(statistics.median(idle_no_show), 5),
        "room_sweep_median_seconds": round(statistics.median(idle_rooms), 5),
        "no_show_plan": plan,
    }
