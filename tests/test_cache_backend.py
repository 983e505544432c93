"""The portal's Redis cache: django-redis, keeping its clients, failing soft (portal.cache)."""

import logging
import socket
import time
from typing import Any

import pytest
import redis
from django.core.cache import caches
from django.core.signals import request_finished
from django.test import override_settings
from django_redis import get_redis_connection

from portal import cache as portal_cache
from portal.checks import redis_cache_fails_soft

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
FAIL_SOFT: dict[str, Any] = {
    "BACKEND": "portal.cache.FailSoftRedisCache",
    "OPTIONS": {
        "CLIENT_CLASS": "django_redis.client.DefaultClient",
        "IGNORE_EXCEPTIONS": True,
        "SOCKET_CONNECT_TIMEOUT": 0.25,
        "SOCKET_TIMEOUT": 0.5,
    },
}


@pytest.fixture
def redis_cache(settings):
    config = {**settings.CACHES["default"], "KEY_PREFIX": "cache-backend-test"}
    with override_settings(CACHES={"default": config}):
        cache = caches["default"]
        cache.clear()
        yield cache
        cache.clear()


@pytest.fixture
def dead_cache():
    """The production configuration, pointed at a port where no Redis listens."""
    with override_settings(CACHES={"default": {**FAIL_SOFT, "LOCATION": UNREACHABLE_REDIS}}):
        yield caches["default"]


@pytest.fixture
def fresh_filter(monkeypatch):
    """The cache logger's filter, without what earlier tests let through."""
    logger = logging.getLogger(portal_cache.LOGGER_NAME)
    [installed] = [f for f in logger.filters if isinstance(f, portal_cache.OnePerInterval)]
    fresh = portal_cache.OnePerInterval(seconds=installed.seconds)
    monkeypatch.setattr(logger, "filters", [fresh])
    return fresh


@pytest.mark.redis
def test_the_portal_cache_is_django_redis_ignoring_errors_with_short_timeouts(settings):
    config = settings.CACHES["default"]
    assert config["BACKEND"] == FAIL_SOFT["BACKEND"]
    assert config["OPTIONS"] == FAIL_SOFT["OPTIONS"]
    assert settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS is True
    assert settings.DJANGO_REDIS_LOGGER == portal_cache.LOGGER_NAME
    assert redis_cache_fails_soft(None) == []


@pytest.mark.redis
def test_it_behaves_as_a_django_cache(redis_cache):
    assert redis_cache.get("missing", "default") == "default"
    redis_cache.set("k", {"v": 1}, 30)
    assert redis_cache.get("k") == {"v": 1}
    assert redis_cache.get_or_set("n", 1, None) == 1
    assert redis_cache.incr("n") == 2
    assert redis_cache.add("k", "other") is False
    assert redis_cache.add("fresh", "new") is True
    assert redis_cache.get_many(["k", "n"]) == {"k": {"v": 1}, "n": 2}
    redis_cache.delete("k")
    assert redis_cache.get("k") is None
    with pytest.raises(ValueError):  # portal.fragments relies on this for a missing key
        redis_cache.incr("never-set")


@pytest.mark.redis
def test_it_builds_one_redis_client_and_keeps_it_across_requests(settings, monkeypatch):
    built = []
    original = redis.Redis.__init__

    def counting(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    config = {**settings.CACHES["default"], "KEY_PREFIX": "cache-backend-test"}
    with override_settings(CACHES={"default": config}):
        cache = caches["default"]
        for n in range(3):
            cache.set("k", n, 30)
            assert cache.get("k") == n
            cache.delete("k")
            request_finished.send(sender=None)  # Django closes caches after each request
        assert len(built) == 1
        assert get_redis_connection("default") is built[0]


def test_an_outage_is_a_miss_never_an_exception(dead_cache):
    dead_cache.set("k", 1, 30)
    assert dead_cache.get("k") is None
    assert dead_cache.get("k", "default") == "default"
    assert dead_cache.get_many(["k", "n"]) == {}
    assert dead_cache.incr("n") is None
    assert dead_cache.delete("k") is None
    assert dead_cache.delete_many(["k", "n"]) is None
    assert dead_cache.get_or_set("n", 7, 30) == 7


def test_add_during_an_outage_answers_as_an_empty_cache(dead_cache):
    """As Django's DummyCache does: code that locks with add() (allauth's rate limits)
    goes on instead of waiting for a lock it can never take."""
    assert dead_cache.add("lock", True, 10) is True


def test_every_ignored_error_is_counted_and_one_a_minute_logged(dead_cache, fresh_filter, caplog):
    before = portal_cache.errors()
    with caplog.at_level(logging.ERROR, logger=portal_cache.LOGGER_NAME):
        for _ in range(5):
            dead_cache.get("k")
    assert portal_cache.errors() - before == 5
    records = [r for r in caplog.records if r.name == portal_cache.LOGGER_NAME]
    assert len(records) == 1
    assert "Connection refused" in caplog.text or "connecting to" in caplog.text


def test_the_filter_lets_one_record_per_kind_through_each_interval(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(portal_cache.time, "monotonic", lambda: now[0])
    once = portal_cache.OnePerInterval(seconds=60)

    def record(error: Exception) -> logging.LogRecord:
        try:
            raise RuntimeError("Exception ignored") from error
        except RuntimeError as wrapped:
            exc_info = (type(wrapped), wrapped, wrapped.__traceback__)
        return logging.LogRecord("portal.cache", logging.ERROR, "", 0, "ignored", (), exc_info)

    refused, timed_out = ConnectionRefusedError("refused"), TimeoutError("timed out")
    assert once.filter(record(refused)) is True
    assert once.filter(record(refused)) is False
    assert once.filter(record(timed_out)) is True  # another kind of error
    now[0] += 59
    assert once.filter(record(refused)) is False
    now[0] += 2
    later = record(refused)
    assert once.filter(later) is True
    assert later.getMessage() == "ignored (2 more like it in the last 60 s were not logged)"


def test_the_system_check_refuses_a_redis_cache_that_raises(settings):
    settings.CACHES = {
        "default": {
            **FAIL_SOFT,
            "LOCATION": UNREACHABLE_REDIS,
            "OPTIONS": {**FAIL_SOFT["OPTIONS"], "IGNORE_EXCEPTIONS": False},
        }
    }
    [error] = redis_cache_fails_soft(None)
    assert error.id == "portal.E001" and "IGNORE_EXCEPTIONS" in error.msg
    settings.DJANGO_REDIS_LOGGER = "elsewhere"
    assert len(redis_cache_fails_soft(None)) == 2


def test_the_system_check_leaves_other_caches_alone(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert redis_cache_fails_soft(None) == []


def test_a_redis_that_hangs_costs_at_most_the_read_timeout():
    """A server that takes the connection and never answers (a hung Redis, a dropped
    route): the operation is a miss after SOCKET_TIMEOUT, not a request held for seconds."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)  # the kernel completes connections; nothing ever answers them
        location = f"redis://127.0.0.1:{hung.getsockname()[1]}/0"
        with override_settings(CACHES={"default": {**FAIL_SOFT, "LOCATION": location}}):
            start = time.perf_counter()
            assert caches["default"].get("k", "miss") == "miss"
            elapsed = time.perf_counter() - start
    assert FAIL_SOFT["OPTIONS"]["SOCKET_TIMEOUT"] <= elapsed < 1.5
