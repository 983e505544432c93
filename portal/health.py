"""Health checks of the parts the portal needs (database, cache, broker), and what /health/
reports beside them: the cache errors this process ignored, and the worker's heartbeat."""

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django.utils.crypto import get_random_string
from kombu import Connection

from .cache import redis_client
from .models import WorkerHeartbeat

# The beat sends the heartbeat job every minute: three missed beats make it late.
HEARTBEAT_LATE_AFTER = dt.timedelta(minutes=3)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    """Write, read and delete a key. With django-redis this goes to Redis itself: through
    the cache, which ignores connection errors, an outage would read as a mere miss."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    key = backend.make_key("health:" + get_random_string(12))
    if (redis := redis_client()) is not None:
        redis.set(key, b"ok", ex=10)
        if redis.get(key) != b"ok":
            raise RuntimeError("Redis did not return the value just written")
        redis.delete(key)
        return
    backend.set(key, "ok", timeout=10)
    if backend.get(key) != "ok":
        raise RuntimeError("cache did not return the value just written")
    backend.delete(key)


def check_broker() -> None:
    with Connection(
        settings.CELERY_BROKER_URL,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        connect_timeout=2,
    ) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


def run_checks() -> dict[str, str]:
    """Run every check; a check that raises is reported as "down", never re-raised."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            results[name] = "down"
        else:
            results[name] = "up"
    return results


def worker_heartbeat(*, now: dt.datetime | None = None) -> dict[str, object]:
    """When a worker last ran the heartbeat job (`portal.tasks.record_heartbeat`): that
    jobs really run, which the broker check cannot tell. `late` is None when the database
    cannot say."""
    try:
        seen_at = WorkerHeartbeat.objects.aggregate(last=Max("seen_at"))["last"]
    except Exception:  # the database check says why; /health/ itself never fails
        return {"last_seen_at": None, "seconds_ago": None, "late": None}
    if seen_at is None:
        return {"last_seen_at": None, "seconds_ago": None, "late": True}
    age = (now or timezone.now()) - seen_at
    return {
        "last_seen_at": seen_at.isoformat(),
        "seconds_ago": max(0, round(age.total_seconds())),
        "late": age > HEARTBEAT_LATE_AFTER,
    }
