"""Jobs through one real worker: no-op tasks (the yardstick), room jobs, and confirmations
end to end."""

import time

from bench.harness import WORKER_QUEUE, Worker
from bench.measures.contention import free_slots

POLL_SECONDS = 0.02


def _new_bookings(status: str, people: list, slots: list) -> list:
    from django.utils import timezone

    from bookings.models import Booking

    confirmed = status == Booking.Status.CONFIRMED
    return [
        Booking.objects.create(
            slot=slot,
            user=person,
            status=status,
            confirmed_at=timezone.now() if confirmed else None,
            awaiting_room=confirmed,  # as confirm_booking sets
            full_name="ベンチ",
            full_name_kana="ベンチ",
            phone="+81901234567",
        )
        for slot, person in zip(slots, people, strict=False)
    ]


def job_throughput(office, count: int, warm_up: int) -> dict:
    """The no-op tasks and the room jobs are measured the same way: `count` jobs enqueued by
    this process, timed until the worker has done them all, after `warm_up` untimed jobs
    of each kind (each worker process imports and connects on its first jobs). The room
    jobs are those that `confirm_booking` enqueues, for bookings confirmed beforehand. The
    end-to-end figure also counts the confirmations themselves (one transaction here, as a
    counsellor's bulk action would), which run in this process while the worker issues
    rooms."""
    import redis
    from django.conf import settings
    from django.core.cache import cache
    from django.db import transaction

    from accounts.models import User
    from bench.tasks import noop
    from bookings.models import Booking, Room
    from bookings.services import confirm_booking
    from bookings.tasks import issue_room_task
    from portal.celery import app

    app.conf.task_default_queue = WORKER_QUEUE
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    def jobs_left() -> int:
        # Waiting in the queue, or taken by the worker and not yet acknowledged (the
        # tasks acknowledge when they end): Kombu's Redis transport keeps those in a hash.
        return broker.llen(WORKER_QUEUE) + broker.hlen("unacked")

    def wait_for_rooms(bookings: list, after_room: int) -> None:
        # Every room made (a cheap poll, a range of the primary key, to take as little as
        # the no-op's Redis GET from the cores the worker runs on), and every job done:
        # a job can find its room made by one before it, and still has to run.
        while Room.objects.filter(pk__gt=after_room).count() < len(bookings) or jobs_left():
            time.sleep(POLL_SECONDS)

    def last_room() -> int:
        return Room.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def noops(number: int) -> float:
        key = "bench:noop"
        cache.set(key, 0, timeout=3600)
        start = time.perf_counter()
        for _ in range(number):
            noop.apply_async(args=(key,), queue=WORKER_QUEUE)
        while (cache.get(key) or 0) < number or jobs_left():
            time.sleep(POLL_SECONDS)
        return time.perf_counter() - start

    def room_jobs(bookings: list) -> float:
        after_room = last_room()
        start = time.perf_counter()
        for booking in bookings:
            issue_room_task.apply_async(args=(booking.pk,), queue=WORKER_QUEUE)
        wait_for_rooms(bookings, after_room)
        return time.perf_counter() - start

    needed = 2 * count + warm_up
    people = list(User.objects.filter(email__startswith="bench-p")[200 : 200 + needed])
    slots = free_slots(office, needed, latest_first=True)
    if len(slots) < needed or len(people) < needed:
        raise SystemExit(f"job benchmark: not enough free slots or people at {office.slug}")
    # Started only now: a worker left running would take the next run's jobs.
    with Worker():
        noops(warm_up)
        room_jobs(_new_bookings(Booking.Status.CONFIRMED, people[:warm_up], slots[:warm_up]))
        people, slots = people[warm_up:], slots[warm_up:]

        noop_seconds = noops(count)
        confirmed = _new_bookings(Booking.Status.CONFIRMED, people[:count], slots[:count])
        rooms_seconds = room_jobs(confirmed)

        requested = _new_bookings(Booking.Status.REQUESTED, people[count:], slots[count:])
        after_room = last_room()
        start = time.perf_counter()
        with transaction.atomic():  # the room jobs are enqueued when this commits
            for booking in requested:
                confirm_booking(booking=booking)
        wait_for_rooms(requested, after_room)
        end_to_end_seconds = time.perf_counter() - start
    noop_rate = count / noop_seconds
    room_rate = len(confirmed) / rooms_seconds
    end_to_end_rate = len(requested) / end_to_end_seconds
    return {
        "noop_tasks_per_second": round(noop_rate, 1),
        "room_jobs_per_second": round(room_rate, 1),
        "ratio": round(room_rate / noop_rate, 3),
        "confirmations_end_to_end_per_second": round(end_to_end_rate, 1),
        "end_to_end_ratio": round(end_to_end_rate / noop_rate, 3),
        "jobs": count,
    }
