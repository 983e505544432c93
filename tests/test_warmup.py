"""gunicorn's master loads the portal and warms it up before the fork (gunicorn.conf.py,
portal.warmup): what it builds is what the first requests would, and it leaves no
connection open for a worker to inherit."""

import gc
import runpy
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.template import engines

from portal.warmup import warm_up

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db(transaction=True)
def test_the_warm_up_compiles_the_templates_and_leaves_no_connection_open():
    connection.ensure_connection()
    cache.set("warm-up-test", 1)  # a cache connection open too
    engine = engines["django"].engine  # type: ignore[attr-defined]
    loader = engine.template_loaders[0]  # the cached loader (DEBUG off)
    loader.reset()  # as in a process that has rendered nothing yet
    done = warm_up()
    templates = sorted(p for p in (ROOT / "templates").rglob("*.html"))
    assert done["templates"] >= len(templates) - 5  # every page's template, save fragments
    assert "bookings/office_detail.html" in loader.get_template_cache
    assert connection.connection is None
    assert cache.get("warm-up-test") == 1  # the cache reconnects at its next use


@pytest.mark.django_db(transaction=True)
def test_the_warm_up_compiles_the_prepared_queries_and_binds_the_jobs(monkeypatch):
    from celery import current_app

    from bookings.selectors import applying
    from portal import internals

    booking_reads = [
        applying._OPEN_BOOKINGS_OF_SLOT,
        applying._SLOT_WITH_STANDING,
        applying._BOOKINGS_AT_SLOT,
        applying._DUE_AT_OFFICE,
        applying._DUE_OF_DOCUMENT,
    ]
    for prepared in internals._ALL:
        monkeypatch.setattr(prepared, "_compiled", {})  # as in a new process
    done = warm_up()
    assert done["prepared_queries"] >= len(booking_reads) + 1  # and the room job's
    assert all("default" in prepared._compiled for prepared in booking_reads)
    assert getattr(current_app, "finalized", False) and connection.connection is None
    # After the fork a worker runs them as compiled: no statement is built again.
    compiled = []
    monkeypatch.setattr(internals.PreparedQuery, "_compile", lambda *a: compiled.append(a))
    assert applying._OPEN_BOOKINGS_OF_SLOT.rows(-1) == [] and compiled == []


@pytest.mark.django_db(transaction=True)
def test_without_a_database_the_queries_are_compiled_at_their_first_use(monkeypatch, caplog):
    from django.db import OperationalError

    from portal import internals

    def unreachable(using: str = "default") -> int:
        raise OperationalError("connection refused")

    monkeypatch.setattr("portal.warmup.prepare_all", unreachable)
    assert warm_up()["prepared_queries"] == 0
    assert "compiled at their first use" in caplog.text
    assert internals._ALL  # and each compiles when first run, as before


def test_gunicorn_preloads_the_portal_and_warms_it_up_in_the_master(monkeypatch):
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["preload_app"] is True
    calls = []

    def warm_up() -> dict[str, int]:
        calls.append("warm")
        return {"templates": 3, "prepared_queries": 8}

    monkeypatch.setattr("portal.warmup.warm_up", warm_up)
    logged = []

    class Server:
        class log:
            @staticmethod
            def info(message, *args):
                logged.append(message % args)

    frozen = gc.get_freeze_count()
    try:
        conf["when_ready"](Server)
        assert calls == ["warm"] and logged == [
            "warmed up before the fork: 3 templates, 8 prepared queries"
        ]
        assert gc.get_freeze_count() > frozen
    finally:
        gc.unfreeze()
