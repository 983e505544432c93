"""The cache fails soft: a Redis outage turns every cache operation into a miss.

The backend is django-redis (`settings.CACHES`), which keeps its Redis clients and, with
`IGNORE_EXCEPTIONS`, answers a connection error as a miss: `get` returns the default,
`get_many` `{}`, `set`, `delete` and `incr` return None. Its ignored errors are logged to the
`portal.cache` logger (`DJANGO_REDIS_LOGGER`). This module adds three things:

- `FailSoftRedisCache.add` answers an outage as an empty cache does (True: "there was no
  such key"), as Django's DummyCache does. Without it, `add` answers None, and code that
  takes a lock with `add` waits and gives up: allauth's rate limits would refuse every
  sign-in while Redis is down. (So while it is down, the rate limits and the replay check
  of MFA codes, which live in the cache, are off, as with DummyCache.)
- `OnePerInterval`, the logger's filter: every ignored error is counted (`errors()`, shown
  by /health/ as `cache_errors`, per process), and one record per kind of error and
  interval is let through, saying how many like it were held back.
- `errors()`: that count.
- `redis_client()`: Redis itself, for what goes past the cache's interface (a health check
  that must see an outage, a list), or None when the cache is not Redis.

The system check portal.E001 (portal/checks.py) refuses a Redis cache configured without
these: errors not ignored, not logged, or logged where nothing counts them.
"""

import logging
import threading
import time

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django_redis import get_redis_connection
from django_redis.cache import RedisCache

LOGGER_NAME = "portal.cache"

_lock = threading.Lock()
_errors = 0


def errors() -> int:
    """How many cache errors this process has ignored since it started."""
    return _errors


def redis_client():
    """The default cache's Redis client (its errors are not ignored), or None when the
    cache is not Redis."""
    if not isinstance(caches[DEFAULT_CACHE_ALIAS], RedisCache):
        return None
    return get_redis_connection(DEFAULT_CACHE_ALIAS)


def _count_error() -> None:
    global _errors
    with _lock:
        _errors += 1


class FailSoftRedisCache(RedisCache):
    """django-redis' cache, whose `add` answers an outage as an empty cache would."""

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None, client=None) -> bool:
        added = super().add(key, value, timeout, version, client)
        # None only when IGNORE_EXCEPTIONS swallowed a connection error (else a bool).
        return True if added is None else added


class OnePerInterval(logging.Filter):
    """Counts every record, and lets one per kind of error through every `seconds`."""

    def __init__(self, seconds: float = 60.0) -> None:
        super().__init__()
        self.seconds = seconds
        self._lock = threading.Lock()
        self._kinds: dict[str, tuple[float, int]] = {}  # kind -> (last let through, held)

    @staticmethod
    def _kind(record: logging.LogRecord) -> str:
        error = record.exc_info[1] if record.exc_info else None
        cause = getattr(error, "__cause__", None) or error
        if cause is None:
            return record.getMessage()
        return f"{type(cause).__module__}.{type(cause).__qualname__}: {cause}"

    def filter(self, record: logging.LogRecord) -> bool:
        _count_error()
        kind = self._kind(record)
        now = time.monotonic()
        with self._lock:
            last, held = self._kinds.get(kind, (None, 0))
            if last is not None and now - last < self.seconds:
                self._kinds[kind] = (last, held + 1)
                return False
            self._kinds[kind] = (now, 0)
        if held:
            message = record.getMessage()
            record.msg = "%s (%d more like it in the last %d s were not logged)"
            record.args = (message, held, round(self.seconds))
        return True
