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


def test_gunicorn_preloads_the_portal_and_warms_it_up_in_the_master(monkeypatch):
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["preload_app"] is True
    calls = []

    def warm_up() -> dict[str, int]:
        calls.append("warm")
        return {"templates": 3}

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
        assert calls == ["warm"] and logged == ["warmed up before the fork: 3 templates"]
        assert gc.get_freeze_count() > frozen
    finally:
        gc.unfreeze()
