"""Bookings under contention: 32 people press "book" on the same slot at once, then each
books distinct slots, all through the served portal; the distinct bookings also give the
workers' processor time per booking POST (`cpu_ms`, as pages measure it)."""

import datetime as dt
import threading
import time

from bench.harness import BASE, cpu_seconds, session_cookie

CLIENTS = 32
DISTINCT_PER_CLIENT = 5


def free_slots(office, count: int, *, days_ahead: int = 3, latest_first: bool = False) -> list:
    """`count` open slots of `office` nobody has booked, starting more than `days_ahead`
    days from now (soonest first, or latest first)."""
    from django.utils import timezone

    from bookings.models import Slot

    return list(
        Slot.objects.filter(
            office=office,
            starts_at__gt=timezone.now() + dt.timedelta(days=days_ahead),
            cancelled_at__isnull=True,
            bookings__isnull=True,
        ).order_by("-starts_at" if latest_first else "starts_at")[:count]
    )


def _people_ready_to_book(people) -> None:
    from django.utils import timezone

    from accounts.models import Profile

    for person in people:
        Profile.objects.update_or_create(
            user=person,
            defaults={
                "family_name": "ベンチ",
                "given_name": "太郎",
                "family_name_kana": "ベンチ",
                "given_name_kana": "タロウ",
                "phone": "+81901234567",
                "environment_confirmed_at": timezone.now(),
            },
        )


def _run_together(target, count: int) -> None:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def contention(office, worker_pids: list[int] | None = None) -> dict:
    import httpx

    from accounts.models import User
    from bookings.models import Booking

    # People who may book online: the bulk past bookings make some no-shows, and a person
    # with recent no-shows is restricted (a refusal that would read as neither outcome).
    people = list(
        User.objects.filter(email__startswith="bench-p")
        .exclude(bookings__status=Booking.Status.NO_SHOW)
        .order_by("pk")[100 : 100 + CLIENTS]
    )
    _people_ready_to_book(people)
    token = "a" * 32
    cookies = [f"{session_cookie(p)}; csrftoken={token}" for p in people]
    free = free_slots(office, 1 + CLIENTS * DISTINCT_PER_CLIENT)
    form = {
        "csrfmiddlewaretoken": token,
        "full_name": "ベンチ 太郎",
        "full_name_kana": "ベンチ タロウ",
        "job_seeker_number": "",
    }

    def post(client, cookie, slot):
        return client.post(
            f"{BASE}/offices/{office.slug}/book/{slot.pk}/",
            data=form,
            headers={"Cookie": cookie},
            follow_redirects=False,
        )

    outcomes: list[str | None] = [None] * len(people)
    barrier = threading.Barrier(len(people))

    def same(i):
        with httpx.Client(timeout=30) as client:
            barrier.wait()
            response = post(client, cookies[i], free[0])
            location = response.headers.get("location", "")
            if response.status_code >= 500:
                outcomes[i] = "5xx"
            elif "/me/bookings/" in location:
                outcomes[i] = "booked"
            else:
                # The "taken" message travels in the messages cookie of the redirect.
                flash = response.cookies.get("messages", "")
                cookie = cookies[i] + (f"; messages={flash}" if flash else "")
                page = client.get(BASE + location, headers={"Cookie": cookie}).text
                outcomes[i] = (
                    "taken"
                    if ("埋まりました" in page or "just been taken" in page)
                    else f"other:{response.status_code}"
                )

    _run_together(same, len(people))
    same_slot = {k: outcomes.count(k) for k in set(outcomes)}

    rest = free[1:]
    booked = [0] * len(people)
    errors = [0] * len(people)

    def distinct(i):
        with httpx.Client(timeout=30) as client:
            for slot in rest[i :: len(people)]:
                response = post(client, cookies[i], slot)
                if response.status_code >= 500:
                    errors[i] += 1
                elif "/me/bookings/" in response.headers.get("location", ""):
                    booked[i] += 1

    pids = worker_pids or []
    cpu_before = cpu_seconds(pids)
    start = time.perf_counter()
    _run_together(distinct, len(people))
    elapsed = time.perf_counter() - start
    cpu = cpu_seconds(pids) - cpu_before
    return {
        "same_slot_32_clients": same_slot,
        "distinct_slots": {
            "bookings": sum(booked),
            "errors_5xx": sum(errors),
            "seconds": round(elapsed, 3),
            "bookings_per_second": round(sum(booked) / elapsed, 2),
            **({"cpu_ms": round(cpu * 1000 / sum(booked), 2)} if pids and sum(booked) else {}),
        },
    }
