"""Health checks of the parts the portal needs: database, cache and broker."""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.crypto import get_random_string
from kombu import Connection


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = "health:" + get_random_string(12)
    cache.set(key, "ok", timeout=10)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return the value just written")
    cache.delete(key)


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
