"""The benchmark is fenced off: its bare view and no-op task exist only under
`bench.settings`, which `make bench` runs everything with; the product has neither."""

import importlib
import json
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import NoReverseMatch, reverse

from tests.support.worker import celery_worker, wait_for

ROOT = Path(__file__).resolve().parent.parent
BENCH_MODULES = [
    "bench.harness",
    "bench.measures",
    "bench.measures.pages",
    "bench.measures.bookings",
    "bench.measures.sweeps",
    "bench.measures.contention",
    "bench.measures.jobs",
    "bench.measures.national",
    "bench.measures.rush",
    "bench.peer",
    "bench.report",
    "bench.data",
    "bench.run",
    "bench.settings",
    "bench.urls",
    "bench.views",
    "bench.tasks",
]


def test_the_product_urlconf_has_no_bench_view(client):
    assert settings.ROOT_URLCONF == "portal.urls"
    with pytest.raises(NoReverseMatch):
        reverse("bench_bare")
    assert client.get("/bench/bare/").status_code == HTTPStatus.NOT_FOUND


def test_the_product_has_no_bench_setting_view_or_task():
    import portal.tasks
    import portal.views

    assert not hasattr(settings, "BENCH_BARE_VIEW")
    assert not hasattr(portal.views, "bare")
    assert not hasattr(portal.tasks, "noop")
    assert "bench.tasks" not in getattr(settings, "CELERY_IMPORTS", ())


def test_the_bench_settings_add_the_bare_view_and_the_no_op_task_to_the_portals():
    import bench.settings
    import portal.settings

    assert bench.settings.ROOT_URLCONF == "bench.urls"
    assert bench.settings.CELERY_IMPORTS == ["bench.tasks"]
    assert bench.settings.INSTALLED_APPS == portal.settings.INSTALLED_APPS
    assert bench.settings.MIDDLEWARE == portal.settings.MIDDLEWARE


@pytest.mark.django_db
def test_the_bench_urlconf_serves_the_bare_view_and_every_product_url(client):
    with override_settings(ROOT_URLCONF="bench.urls"):
        assert reverse("bench_bare") == "/bench/bare/"
        response = client.get("/bench/bare/")
        assert response.status_code == HTTPStatus.OK
        assert response.content == b"ok"
        assert reverse("health") == "/health/"
        assert client.get("/health/").status_code == HTTPStatus.OK


@pytest.mark.parametrize("name", BENCH_MODULES)
def test_every_bench_module_imports(name):
    importlib.import_module(name)


def test_the_report_renders_the_committed_results_and_points_to_the_history():
    from bench import report

    results = json.loads((ROOT / "bench" / "results" / "results.json").read_text())
    text = report.report(results)
    assert text.startswith("# Benchmark report\n")
    assert "| page | 1 client | 8 clients | 32 clients |" in text
    assert f"{results['jobs']['ratio']}×" in text  # the room jobs' ratio of that run
    assert "[bench/HISTORY.md](../HISTORY.md)" in text
    assert "What the runs showed" not in text  # the history is in HISTORY.md
    assert (ROOT / "bench" / "HISTORY.md").exists()


def test_a_quick_run_writes_beside_the_committed_report_never_over_it():
    from bench import harness

    assert harness.QUICK_RESULTS != harness.RESULTS
    assert harness.QUICK_RESULTS.is_relative_to(ROOT / "var")
    assert harness.ENV["DJANGO_SETTINGS_MODULE"] == "bench.settings"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_with_the_bench_settings_runs_the_no_op_task():
    from bench.tasks import noop

    cache.set("bench-test:noop", 0, 60)
    with celery_worker(extra_env={"DJANGO_SETTINGS_MODULE": "bench.settings"}) as (_, queue):
        noop.apply_async(args=("bench-test:noop",), queue=queue)
        wait_for(lambda: cache.get("bench-test:noop") == 1, timeout=30, what="the no-op task")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_product_worker_does_not_know_the_no_op_task():
    from bench.tasks import noop

    with celery_worker() as (process, queue):
        noop.apply_async(args=("bench-test:noop",), queue=queue)
        wait_for(
            lambda: "unregistered task of type 'bench.tasks.noop'" in process.log_path.read_text(),
            timeout=30,
            what="the worker's refusal",
        )


def test_the_report_states_the_booking_post_the_gate_width_the_home_page_and_memory():
    """The measures added for issue 20, on the committed run's figures with made-up
    additions: each target stated with its figure and whether it is met."""
    import copy

    from bench import report

    r = json.loads((ROOT / "bench" / "results" / "results.json").read_text())
    r["booking_post_queries"] = {
        "office": "tomakomai",
        "booked": {"statements": 12, "besides_transaction_control": 9, "outcome": "booked"},
        "taken": {"statements": 7, "besides_transaction_control": 5, "outcome": "taken"},
    }
    r["contention"]["distinct_slots"]["cpu_ms"] = 12.0
    r["http_large"]["office_page@32"]["cpu_ms"] = 4.09  # whatever the committed run had
    r["offices_in_all_home_small"] = 23
    r["queries_home_small"] = r["queries_home_demo"]
    r["http_home_small"] = {
        k: v for k, v in r["http_demo"].items() if k.startswith(("bare", "home"))
    }
    r["gunicorn"]["production_width_2"] = "width 2"
    r["rush"].pop("production_width_1", None)  # the widths are the test's own
    r["rush"]["production"]["distinct"]["bookings_per_second"] = 20.0
    r["rush"]["production"]["page_ratio_during_to_before"] = 0.6
    r["rush"]["production"]["page_ratio_inside_burst"] = 0.6
    r["rush"]["production"]["gate_width"] = 1
    wider = r["rush"]["production_width_2"] = copy.deepcopy(r["rush"]["production"])
    wider["distinct"]["bookings_per_second"] = 25.0
    wider["page_ratio_during_to_before"] = 0.45
    wider["page_ratio_inside_burst"] = 0.45
    wider["gate_width"] = 2
    r["gunicorn_threads"] = 8
    extra = {"pss_max": 100.0, "pss_mean": 100.0, "pss_total": 200.0, "peak_total": 290.0}
    extra["workers"] = 2
    r["memory_large"].update(extra)
    r["peer"]["memory_mib"].update(pss_mean=50.0, pss_total=250.0, peak_total=340.0)
    text = report.report(r)
    assert "Booking POST ≤ 12 SQL statements when booked: 12 (booked, 9 besides" in text
    assert "just taken: 7 (taken, 5 besides transaction control) — **not met**" in text
    assert "= 2.93× — met" in text  # 12.0 ms against the office page's 4.09 ms
    assert "Home page flat from 23 to 1,000 offices (a full first page of 20 cards" in text
    assert "The demo's 3 offices (3 cards, a smaller page)" in text
    assert "| *23 offices (a full first home page)* |" in text
    assert "The figures choose **1** (at width 2 the other visitors' page falls below" in text
    assert "Pss 2.0× (≤ 1.2×: **not met**)" in text
    assert "the portal 200.0 MiB Pss (290.0 MiB of peaks) against the peer's 250.0 MiB" in text
    assert "0.8× (≤ 1.2×: met)" in text
    assert "16 per machine against the peer's 5" in text
    # Sync workers (one request per process): the report says what the memory buys.
    r["gunicorn_threads"] = 1
    r["memory_large"]["workers"] = 5
    assert "What the difference buys: each worker loads" in report.report(r)


def test_the_rush_counts_the_other_visitors_inside_the_burst_only():
    """wrk's window starts before the burst and may outlast it: the requests outside the
    burst are taken out at the rate just before, whatever the window's rate says."""
    from bench.measures.rush import _inside_burst

    # 3 s at 1000 rps, 2000 rps before, a burst of 2 s from 0.3 s: 1 s outside it.
    found = _inside_burst(1000.0, 2000.0, 3.0, 0.3, 2.0)
    assert found == {
        "page_rps_inside_burst": 500.0,
        "page_ratio_inside_burst": 0.25,
        "page_seconds_inside_burst": 2.0,
    }
    # A burst longer than the window: only the lead is outside.
    longer = _inside_burst(1000.0, 2000.0, 3.0, 0.3, 5.0)
    assert longer["page_seconds_inside_burst"] == 2.7
    assert longer["page_rps_inside_burst"] == round((3000 - 600) / 2.7, 1)
