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
