"""The booking rush: `scale.rush` people press "book" at once on distinct slots of one
office, while other visitors keep loading an office page (wrk); then as many press it on
`scale.rush_slots` slots. Run once per server mode, each on offices and people of its own."""

import threading
import time

from bench.harness import BASE, Scale, say, session_cookie, wrk
from bench.measures.contention import _people_ready_to_book, free_slots

FORM = {"full_name": "ベンチ 太郎", "full_name_kana": "ベンチ タロウ", "job_seeker_number": ""}


def _people(first: int, count: int):
    from accounts.models import User
    from bookings.models import Booking

    return list(
        User.objects.filter(email__startswith="bench-p")
        .exclude(bookings__status=Booking.Status.NO_SHOW)
        .exclude(bookings__status__in=Booking.ACTIVE)
        .order_by("pk")[first : first + count]
    )


def _burst(office, people, slots) -> dict:
    """Everyone POSTs at once (person i books slots[i % len(slots)]): the outcomes and
    the burst's length."""
    import httpx

    token = "b" * 32
    cookies = [f"{session_cookie(p)}; csrftoken={token}" for p in people]
    outcomes: list[str] = ["none"] * len(people)
    barrier = threading.Barrier(len(people) + 1)

    def post(i: int) -> None:
        slot = slots[i % len(slots)]
        with httpx.Client(timeout=120) as client:
            barrier.wait()
            try:
                response = client.post(
                    f"{BASE}/offices/{office.slug}/book/{slot.pk}/",
                    data={**FORM, "csrfmiddlewaretoken": token},
                    headers={"Cookie": cookies[i]},
                    follow_redirects=False,
                )
            except httpx.HTTPError as error:
                outcomes[i] = f"error:{type(error).__name__}"
                return
        if response.status_code >= 500:
            outcomes[i] = f"{response.status_code}"
        elif "/me/bookings/" in response.headers.get("location", ""):
            outcomes[i] = "booked"
        elif response.status_code == 302:
            outcomes[i] = "refused"  # back to the office page ("just taken", …)
        else:
            outcomes[i] = f"other:{response.status_code}"

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(people))]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    counts = {k: outcomes.count(k) for k in sorted(set(outcomes))}
    return {
        "outcomes": counts,
        "booked": counts.get("booked", 0),
        "errors_5xx": sum(v for k, v in counts.items() if k[:1] == "5" or k.startswith("error")),
        "seconds": round(elapsed, 3),
    }


def _vacuum_bookings() -> None:
    """Every rush starts from the same state of the tables it writes: vacuumed and
    analysed, so that no autovacuum of the bookings written before runs during it."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("bookings_booking", "bookings_bookingevent", "bookings_slot"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def _inside_burst(rps: float, before: float, window: float, lead: float, burst: float) -> dict:
    """The page's rate while the burst lasted, from wrk's whole window: its requests less
    those of the window's parts outside the burst (the lead before it, and what is left
    after a burst shorter than the window), counted at the rate just before."""
    overlap = min(window, lead + burst) - lead
    inside = (rps * window - before * (window - overlap)) / overlap
    return {
        "page_rps_inside_burst": round(inside, 1),
        "page_ratio_inside_burst": round(inside / before, 3),
        "page_seconds_inside_burst": round(overlap, 3),
    }


def rush(mode: str, office, same_office, page_office, scale: Scale, first_person: int) -> dict:
    """`office`: the distinct-slot rush; `same_office`: the rush on `scale.rush_slots`
    slots; `page_office`: the page other visitors load meanwhile."""
    from django.db.models import Count

    from bookings.models import Booking

    n = scale.rush
    people = _people(first_person, n)
    second = _people(first_person + n, n)
    assert len(people) == n and len(second) == n, "not enough bench people for the rush"
    _people_ready_to_book(people + second)
    page = f"/offices/{page_office.slug}/"
    clients = 8

    _vacuum_bookings()
    say(f"rush ({mode}): the yardsticks")
    bare = wrk("/bench/bare/", 32, "3s")
    before = wrk(page, clients, "3s")

    say(f"rush ({mode}): {n} people on {n} distinct slots, {page} loaded meanwhile")
    slots = free_slots(office, n)
    assert len(slots) == n, "not enough free slots for the rush"
    during: dict = {}

    window, lead = 3.0, 0.3  # wrk's run, and how long it runs before the burst

    def visitors() -> None:
        during.update(wrk(page, clients, f"{window:g}s"))

    watcher = threading.Thread(target=visitors)
    watcher.start()
    time.sleep(lead)  # wrk is connected and loading the page
    distinct = _burst(office, people, slots)
    watcher.join()
    distinct["bookings_per_second"] = round(distinct["booked"] / distinct["seconds"], 2)
    distinct["ratio_to_bare"] = round(distinct["bookings_per_second"] / bare["rps"], 4)
    distinct["slots_booked_twice"] = (
        Booking.objects.filter(slot__in=slots, status__in=Booking.ACTIVE)
        .values("slot")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )

    say(f"rush ({mode}): {n} people on {scale.rush_slots} slots")
    few = free_slots(same_office, scale.rush_slots, days_ahead=10)
    assert len(few) == scale.rush_slots
    crowded = _burst(same_office, second, few)
    crowded["active_bookings_on_the_slots"] = Booking.objects.filter(
        slot__in=few, status__in=Booking.ACTIVE
    ).count()
    return {
        "mode": mode,
        "bare_rps_32": bare["rps"],
        "page": page,
        "page_rps_before": before["rps"],
        "page_rps_during": during.get("rps", 0),
        "page_during_p99_ms": during.get("p99_ms"),
        "page_ratio_during_to_before": round(during.get("rps", 0) / before["rps"], 3),
        "page_window_inside_burst": distinct["seconds"] >= window - lead,
        **_inside_burst(during.get("rps", 0), before["rps"], window, lead, distinct["seconds"]),
        "distinct": distinct,
        "crowded": crowded,
    }
