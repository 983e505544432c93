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
- `bump_on_commit` and `delete_on_commit`: what a transaction changes in the cache (the
  versions of fragments, counts read afresh), done once it commits, all of it in one round
  trip to Redis (one script) however many there are.

The system check portal.E001 (portal/checks.py) refuses a Redis cache configured without
these: errors not ignored, not logged, or logged where nothing counts them.
"""

import logging
import threading
import time
from dataclasses import dataclass, field

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.db import transaction
from django_redis import get_redis_connection
from django_redis.cache import RedisCache
from redis.exceptions import RedisError

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


# Each bump key: incremented, or set to 2 when it is missing (a version read afterwards must
# differ from the 1 a reader stores when it finds none); then each key to delete, deleted.
_COMMIT_SCRIPT = """
local bumps = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  if i > bumps then
    redis.call('DEL', key)
  elseif redis.call('EXISTS', key) == 1 then
    redis.call('INCR', key)
  else
    redis.call('SET', key, 2)
  end
end
return #KEYS
"""
_script = None  # the script's object (its SHA1), made with the first client that runs it


@dataclass
class _CommitBatch:
    """The cache changes registered in one transaction (and perhaps, harmlessly, those of a
    transaction before it that rolled back): made by the first of its commit hooks to run,
    so that a hook lost with a savepoint loses nothing."""

    bumps: set[str] = field(default_factory=set)
    deletes: set[str] = field(default_factory=set)
    done: bool = False


_batches = threading.local()


def bump_on_commit(key: str) -> None:
    """Increment the version `key` once the transaction commits (at once outside one)."""
    _register(bumps=[key])


def delete_on_commit(*keys: str) -> None:
    """Delete `keys` once the transaction commits (at once outside one)."""
    _register(deletes=keys)


def _register(*, bumps=(), deletes=()) -> None:
    batch = getattr(_batches, "current", None)
    if batch is None or batch.done:
        batch = _batches.current = _CommitBatch()
    batch.bumps.update(bumps)
    batch.deletes.update(deletes)
    transaction.on_commit(lambda: _run(batch))


def _run(batch: _CommitBatch) -> None:
    if batch.done:
        return
    batch.done = True
    if getattr(_batches, "current", None) is batch:
        _batches.current = None
    client = redis_client()
    if client is None:  # another cache: one call each
        for key in batch.bumps:
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 2, None)
        cache.delete_many(sorted(batch.deletes))
        return
    bumps = sorted(cache.make_key(key) for key in batch.bumps)
    deletes = sorted(cache.make_key(key) for key in batch.deletes - batch.bumps)
    global _script
    if _script is None:
        _script = client.register_script(_COMMIT_SCRIPT)
    try:  # EVALSHA, and the script loaded first where this Redis does not have it yet
        _script(keys=[*bumps, *deletes], args=[len(bumps)], client=client)
    except RedisError:
        # As the cache's own errors: counted and logged; the fragments' lifetime bounds
        # what a lost bump leaves behind.
        logging.getLogger(LOGGER_NAME).warning("cache changes at a commit lost", exc_info=True)


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
