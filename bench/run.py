"""`make bench`: throughput, latency, query counts and contention of the portal, each as a
ratio to a yardstick measured in the same run on the same machine.

It creates its own PostgreSQL database (portal_bench, or BENCH_DB_NAME), uses Redis
database 5 (or BENCH_REDIS_URL), serves the portal with gunicorn (sync workers, production
settings with `bench.settings`: the bare view and the no-op task), drives it with wrk,
runs jobs through a real worker, and writes bench/results/report.md and results.json.
Not part of `make test`.

`--quick` runs every step on a little data with a second of load each, and writes to
var/bench-quick/ (never over the committed report): it shows that everything runs, it
measures nothing.

The parts: `harness` (scale, environment, database, processes), `measures` (pages,
booking POSTs, sweeps, contention, the rush, jobs), `data` (bulk rows), `report`; what earlier runs found is in
bench/HISTORY.md.
"""

import argparse
import datetime as dt
import os
import platform
import runpy
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness, measures, peer, report
from bench.harness import CSRF_COOKIE, Gunicorn, Scale, browser_cookies, memory_mib, say
from bench.measures import national

RENDERED = "rendered=1"  # a query string the office page is not kept for


def _at_a_time(width: int) -> str:
    return "one at a time" if width == 1 else f"{width} at a time"


def _office(slug: str):
    from bookings.models import Office

    return Office.objects.get(slug=slug)


def _copy_one_week(target, source) -> None:
    """`target` gets the slots of `source`'s first counsellor's first week only."""
    from django.utils import timezone

    from accounts.models import User
    from bookings.models import Counsellor, Slot

    counsellor = Counsellor.objects.filter(office=source).first()
    user = User.objects.create_user(email="bench-1w-c@example.jp", password=None)
    clone = Counsellor.objects.create(user=user, office=target, display_name="1週間")
    week = timezone.now() + dt.timedelta(days=8)
    Slot.objects.bulk_create(
        Slot(office=target, counsellor=clone, starts_at=s.starts_at, ends_at=s.ends_at)
        for s in Slot.objects.filter(
            counsellor=counsellor, starts_at__gt=timezone.now(), starts_at__lt=week
        )
    )


def _sweep_ratio(small: dict, large: dict) -> dict:
    def ratio(key: str) -> float:
        return round(large[key] / small[key], 2)

    return {
        "no_show": ratio("no_show_sweep_median_seconds"),
        "rooms": ratio("room_sweep_median_seconds"),
    }


def measure(scale: Scale) -> dict:
    """Every measurement, in the order that needs the least data made twice."""
    from django.conf import settings

    from accounts.models import User
    from bench import data
    from bookings.models import Office

    results: dict = {
        "scale": scale.as_dict(),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "versions": harness.versions(),
        "date": dt.datetime.now().isoformat(timespec="seconds"),
    }
    conf = runpy.run_path(str(harness.ROOT / "gunicorn.conf.py"))
    cores = os.cpu_count() or 1
    results["gunicorn_workers"] = conf["workers"]
    results["gunicorn_worker_class"] = conf["worker_class"]
    width = settings.BOOKING_GATE_WIDTH
    other = 1 if width == 2 else 2  # the width the rush is compared with
    results["gunicorn"] = {
        "production": f"gunicorn.conf.py: {conf['workers']} {conf['worker_class']} workers"
        + (f" × {conf['threads']} threads" if conf["threads"] > 1 else "")
        + f", booking POSTs through a gate {_at_a_time(width)} (BOOKING_GATE_WIDTH={width})",
        f"production_width_{other}": (
            f"the same with the gate {_at_a_time(other)} (BOOKING_GATE_WIDTH={other})"
        ),
        "sync": f"{2 * cores + 1} sync workers (2 × the cores + 1, the default before)",
        "gthread": f"{2 * cores + 1} gthread workers × 8 threads",
    }
    results["gate_width_default"] = width
    results["gunicorn_threads"] = conf["threads"]
    citizen = User.objects.get(email="citizen@example.jp")
    booked = national.booked_person("tomakomai")
    demo_pages = {
        "bare": ("/bench/bare/", ""),
        # An office page is reached from another page of the portal: the browser holds
        # the CSRF cookie the language switch of that page gave it (signed in: the one
        # of the sign-in form). The home page is a first visit, without cookies.
        "office_page": ("/offices/tomakomai/", CSRF_COOKIE),
        "office_page_signed_in": ("/offices/tomakomai/", browser_cookies(booked)),
        # The same two pages rendered at every request: a query string the page is not
        # kept for (`caches.office_pages`), as at a visitor's first view of the minute.
        "office_page_rendered": (f"/offices/tomakomai/?{RENDERED}", CSRF_COOKIE),
        "office_page_signed_in_rendered": (
            f"/offices/tomakomai/?{RENDERED}",
            browser_cookies(booked),
        ),
        "my_page": ("/me/", browser_cookies(citizen)),
        "home": ("/", ""),
        "home_postal_code": ("/?postal_code=053-0022", ""),
        # Rendered at every request (not kept whole, `caches.home_pages`): its cards kept.
        "home_rendered": (f"/?{RENDERED}", ""),
    }
    results["queries_signed_in_with_terms"] = measures.signed_in_query_counts(
        booked, "tomakomai", RENDERED
    )
    results["queries_home_demo"] = measures.home_query_counts()
    with Gunicorn() as server:
        results["http_demo"] = measures.http_suite("demo data", demo_pages, scale, server)
        results["memory_demo"] = memory_mib(server.worker_pids())
        # The home page with a full first page (20 cards, as at national scale), the same
        # page as at 1,000 offices; the demo's 3 offices show 3 cards.
        results["offices_in_all_home_small"] = national.create_national_offices(
            scale.home_small_offices
        )
        results["queries_home_small"] = measures.home_query_counts()
        results["http_home_small"] = measures.http_suite(
            f"{results['offices_in_all_home_small']} offices",
            {
                name: demo_pages[name]
                for name in ("bare", "home", "home_postal_code", "home_rendered")
            },
            scale,
            server,
        )
    results["booking_post_queries"] = measures.booking_post_query_counts("tomakomai")
    results["peer"] = peer.measure(scale, 2 * cores + 1)  # sync workers, as the peer ships

    say(f"creating {scale.offices} offices × {scale.counsellors} counsellors × {scale.weeks} weeks")
    office_ids = data.create_offices(scale.offices, scale.counsellors)
    results["future_slots"] = data.create_future_slots(office_ids, scale.weeks)
    data_one = _office("bench-00")  # every week of slots
    bench_one = Office.objects.create(
        slug="bench-1w",
        name="1週間の窓口",
        name_en="1 week",
        kind="hello_work",
        phone="0144-32-5221",
        weeks_open=8,
    )
    say(f"creating {scale.past_small:,} past bookings")
    people, slots_for = scale.people, scale.past_large
    data.create_past_bookings(office_ids, scale.past_small, people=people, slots_for=slots_for)
    last, before_last = f"bench-{scale.offices - 1:02d}", f"bench-{scale.offices - 2:02d}"
    results["sweeps_small"] = measures.time_sweeps(_office(last), scale.due, scale.idle_sweeps)
    say(f"growing to {scale.past_large:,} past bookings")
    more = scale.past_large - scale.past_small
    data.create_past_bookings(office_ids, more, people=people, slots_for=slots_for)
    results["sweeps_large"] = measures.time_sweeps(
        _office(before_last), scale.due, scale.idle_sweeps
    )
    results["sweep_ratio"] = _sweep_ratio(results["sweeps_small"], results["sweeps_large"])

    # 1 week vs every week of slots, for the query counts.
    _copy_one_week(bench_one, data_one)
    heavy = User.objects.filter(email__startswith="bench-p").first()
    results["queries"] = measures.query_counts(bench_one, data_one, heavy)

    say(f"creating offices up to {scale.national_offices:,} in all")
    results["offices_in_all"] = national.create_national_offices(scale.national_offices)
    results["queries_home_national"] = measures.home_query_counts()
    large_pages = {
        "bare": ("/bench/bare/", ""),
        "office_page": (f"/offices/{data_one.slug}/", CSRF_COOKIE),
        "office_page_rendered": (f"/offices/{data_one.slug}/?{RENDERED}", CSRF_COOKIE),
        "my_page": ("/me/", browser_cookies(heavy)),
        "home": ("/", ""),
        "home_postal_code": ("/?postal_code=053-0022", ""),
        "home_rendered": (f"/?{RENDERED}", ""),
    }

    def rush(mode: str) -> dict:
        # Each on the next free slots of the same offices, with people who have not
        # booked yet.
        return measures.rush(
            mode,
            _office("bench-03"),
            _office("bench-04"),
            _office("bench-02"),
            scale,
            first_person=150,
        )

    with Gunicorn() as server:  # the portal's default gate, as everywhere below
        results["http_large"] = measures.http_suite("large data", large_pages, scale, server)
        results["contention"] = measures.contention(_office("bench-01"), server.worker_pids())
        results["memory_large"] = memory_mib(server.worker_pids())
    # The rush as gunicorn.conf.py serves it, with the gate's other width, with the 2 × cores
    # + 1 sync workers of the runs before, and with as many thread workers (with the portal's
    # default gate): each on a server of its own, started for it, and after the same
    # vacuum of the bookings (measures.rush), so that none inherits another's state.
    results["rush"] = {}
    for mode, server in (
        ("production", Gunicorn()),
        (f"production_width_{other}", Gunicorn(gate_width=other)),
        ("sync", Gunicorn(2 * cores + 1, mode="sync")),
        ("gthread", Gunicorn(2 * cores + 1, mode="gthread")),
    ):
        try:
            with server:
                results["rush"][mode] = {**rush(mode), "gate_width": server.gate_width or width}
        except (AssertionError, SystemExit, OSError) as error:
            say(f"the rush ({mode}) failed: {error!r}")
            results[f"rush_{mode}_error"] = repr(error)
    most = max(scale.concurrency)
    distinct = results["contention"]["distinct_slots"]
    office_page = results["http_large"][f"office_page@{most}"]
    distinct["ratio_to_office_page"] = round(
        distinct["bookings_per_second"] / office_page["rps"], 3
    )
    if "cpu_ms" in distinct and office_page.get("cpu_ms"):
        distinct["cpu_ratio_to_office_page"] = round(distinct["cpu_ms"] / office_page["cpu_ms"], 2)
    rendered = results["http_large"].get(f"office_page_rendered@{most}", {})
    if "cpu_ms" in distinct and rendered.get("cpu_ms"):
        distinct["cpu_ratio_to_office_page_rendered"] = round(
            distinct["cpu_ms"] / rendered["cpu_ms"], 2
        )
    results["jobs"] = measures.job_throughput(_office("bench-02"), scale.jobs, scale.warm_up_jobs)
    return results


def smoke_problems(results: dict) -> list[str]:
    """What a quick run must show: every page answered, the bookings and jobs happened."""
    problems = []
    for phase in ("http_demo", "http_home_small", "http_large"):
        for name, m in results[phase].items():
            if not m["requests"] or m["non_2xx_3xx"] or m["socket_errors"]:
                problems.append(f"{phase} {name}: {m}")
    if len(results["rush"]) != 4 or not {"production", "sync", "gthread"} <= set(results["rush"]):
        problems.append(f"rush: only {sorted(results['rush'])}")
    for mode, r in results["rush"].items():
        if r["distinct"]["booked"] != scale_of_run(results).rush or r["distinct"]["errors_5xx"]:
            problems.append(f"rush {mode}: {r['distinct']}")
        if r["crowded"]["booked"] != scale_of_run(results).rush_slots:
            problems.append(f"rush {mode} on few slots: {r['crowded']}")
    if results["contention"]["same_slot_32_clients"].get("booked") != 1:
        problems.append(f"contention: {results['contention']['same_slot_32_clients']}")
    posts = results["booking_post_queries"]
    if posts["booked"]["outcome"] != "booked" or posts["taken"]["outcome"] != "taken":
        problems.append(f"booking POSTs: {posts['booked']['outcome']}, {posts['taken']['outcome']}")
    if "cpu_ms" not in results["contention"]["distinct_slots"]:
        problems.append("contention: no CPU per booking POST")
    for phase in ("memory_demo", "memory_large"):
        if not results[phase]["pss_total"] > 0:
            problems.append(f"{phase}: {results[phase]}")
    if not results["jobs"]["noop_tasks_per_second"] > 0:
        problems.append(f"jobs: {results['jobs']}")
    return problems


def scale_of_run(results: dict) -> Scale:
    return report.scale_of(results)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run on a little data")
    options = parser.parse_args(argv)
    scale = harness.QUICK if options.quick else harness.FULL
    folder = harness.QUICK_RESULTS if options.quick else harness.RESULTS

    harness.configure()
    harness.ensure_wrk()
    harness.prepare_database()
    import django

    django.setup()
    results = measure(scale)
    say(f"written {report.write(results, folder)}")
    if options.quick and (problems := smoke_problems(results)):
        raise SystemExit("the quick run found problems:\n" + "\n".join(problems))


if __name__ == "__main__":
    main()
