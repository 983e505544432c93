"""Usage records of signed-in requests, and the record of staff looking at a person's data.

Writing a usage record never breaks a page: a failure is logged and the response goes out.
The device is kept only as an HMAC (a key from the environment) of the user agent and the
IP address's network prefix, so no report or export can show a device or an address.

A request does not write its record to the database, nor send it anywhere: it adds it to
its process's buffer. The process pushes the buffer onto a list in Redis in one RPUSH when
it holds `USAGE_BUFFER_ROWS` records, or when its oldest is `USAGE_BUFFER_SECONDS` old (a
thread of the process looks), or when the process exits; a job every minute moves the list
into the table in batches (`flush_pending`, the beat's `flush-usage-records`). So the
pages people use most cost neither a write to the database nor a round trip to Redis. A
push that finds Redis down inserts its records itself (`insert_with_asynchronous_commit`);
without Redis at all (the file cache of `make run`) each request inserts its own. They are
statistics: a Redis that loses its data loses at most the last minute of records, and a
process killed outright the few seconds of its buffer.
"""

import atexit
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import threading
import time
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import timezone
from redis.exceptions import RedisError

from portal.cache import redis_client
from portal.internals import insert_with_asynchronous_commit

from .models import StaffAccess, UsageRecord, User

if TYPE_CHECKING:
    from django.contrib import admin

    # For the type checker only: the mixin below is always put before a ModelAdmin.
    _ModelAdminMixinBase = admin.ModelAdmin
else:
    _ModelAdminMixinBase = object

logger = logging.getLogger(__name__)
SMARTPHONE = re.compile(r"iPhone|Android.+Mobile|Mobile Safari|Windows Phone", re.IGNORECASE)
SKIPPED_PREFIXES = ("/static/", "/health/", "/favicon.ico", "/manifest.webmanifest")


def _hash_key() -> bytes:
    key = settings.USAGE_HASH_KEY or ("usage:" + settings.SECRET_KEY)
    return key.encode("utf-8")


def ip_prefix(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    bits = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


def device_hash(user_agent: str, address: str) -> str:
    return _device(_hash_key(), user_agent, address)[0]


@lru_cache(maxsize=1024)
def _device(key: bytes, user_agent: str, address: str) -> tuple[str, bool]:
    """The device's hash and whether it is a smartphone: a browser sends the same agent
    from the same address request after request (`key`: the hash key it was made with)."""
    message = f"{user_agent}\n{ip_prefix(address)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest(), bool(SMARTPHONE.search(user_agent))


class UsageRecordMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(SKIPPED_PREFIXES)
        ):
            try:
                record_request(request, response.status_code)
            except Exception:
                logger.exception("could not write a usage record for %s", request.path)
        return response


def record_request(request, status_code: int) -> None:
    match = getattr(request, "resolver_match", None)
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:500]
    device, smartphone = _device(_hash_key(), user_agent, request.META.get("REMOTE_ADDR", ""))
    row = [
        timezone.now().isoformat(),
        request.user.pk,
        (match.view_name if match else "")[:100] or "unresolved",
        (match.kwargs.get("slug", "") if match else "")[:50],
        request.method[:8],
        status_code,
        device,
        smartphone,
    ]
    if redis_client() is None:
        _insert([row])
    else:
        _buffer.add(json.dumps(row))


PENDING_KEY = "usage:pending"  # the Redis list of records not in the table yet
FLUSH_BATCH = 2000
# A row: when, then these fields, then whether it came from a smartphone.
_FIELDS = ("user_id", "path_name", "office_slug", "method", "status_code", "device_hash")


def _pending_key() -> str:
    return caches["default"].make_key(PENDING_KEY)


def _record(row: list) -> UsageRecord:
    return UsageRecord(
        at=dt.datetime.fromisoformat(row[0]),
        is_smartphone=row[-1],
        **dict(zip(_FIELDS, row[1:-1], strict=True)),
    )


def _insert(rows: list[list]) -> None:
    """Each record inserted by itself. They are statistics, so nobody waits for the disk:
    on PostgreSQL the record's commit is asynchronous (a crash can lose the last fraction
    of a second of usage records, never anything else)."""
    for row in rows:
        try:
            insert_with_asynchronous_commit(_record(row))
        except Exception:
            logger.exception("could not write a usage record for %s", row[2])


class _Buffer:
    """This process's records not pushed to Redis yet (JSON rows), and the thread that
    pushes them when they have waited long enough. A forked process starts empty, with
    a thread of its own."""

    def __init__(self) -> None:
        self._start_empty()
        # A lock held by another thread at the fork would stay held in the child forever.
        os.register_at_fork(after_in_child=self._start_empty)

    def _start_empty(self) -> None:
        self._lock = threading.Lock()  # the rows
        self._pushing = threading.Lock()  # one push at a time: taken and sent, in order
        self._rows: list[str] = []
        self._since = 0.0  # when the oldest row was added
        self._pid = 0  # the process whose rows these are (its thread started)

    def add(self, row: str) -> None:
        with self._lock:
            if self._pid != os.getpid():
                self._pid, self._rows = os.getpid(), []
                threading.Thread(target=self._watch, name="usage-records", daemon=True).start()
            if not self._rows:
                self._since = time.monotonic()
            self._rows.append(row)
            full = len(self._rows) >= settings.USAGE_BUFFER_ROWS
        if full:
            self.push()

    def discard(self) -> None:
        with self._pushing, self._lock:  # after a push under way
            self._rows = []

    def push(self) -> int:
        """Send the buffered rows to Redis in one RPUSH (if it is down, insert them);
        returns how many there were."""
        with self._pushing:
            with self._lock:
                if self._pid != os.getpid():  # copied from the parent by a fork: not ours
                    return 0
                rows, self._rows = self._rows, []
            if rows:
                _push(rows)
            return len(rows)

    def _due(self) -> bool:
        with self._lock:
            return bool(self._rows) and (
                time.monotonic() - self._since >= settings.USAGE_BUFFER_SECONDS
            )

    def _watch(self) -> None:
        pid = os.getpid()
        while self._pid == pid:
            time.sleep(max(settings.USAGE_BUFFER_SECONDS / 4, 0.05))
            if not self._due():
                continue
            try:
                self.push()
            except Exception:
                logger.exception("could not push the buffered usage records")
            finally:
                connection.close()  # this thread's own, if a push inserted the rows


def _push(rows: list[str]) -> None:
    """Onto Redis's list, or into the table if there is no Redis to take them."""
    client = redis_client()
    if client is not None:
        try:
            client.rpush(_pending_key(), *rows)
            return
        except RedisError:
            pass
    _insert([json.loads(row) for row in rows])


_buffer = _Buffer()
atexit.register(_buffer.push)  # a process that exits sends what it holds


def push_buffered() -> int:
    """Send this process's buffered records now (`flush_pending` does it first)."""
    return _buffer.push()


def discard_buffered() -> None:
    """Forget this process's buffered records (tests start from none)."""
    _buffer.discard()


def flush_pending(*, batch: int = FLUSH_BATCH) -> int:
    """Move the pending records into the table, `batch` at a time (each taken from the
    list atomically, so two flushes at once never insert a record twice); the records
    of people deleted meanwhile are dropped. Returns how many were inserted."""
    client = redis_client()
    if client is None:
        return 0
    _buffer.push()  # this process's own first
    key = _pending_key()
    inserted = 0
    while taken := client.lpop(key, batch):
        rows = [json.loads(item) for item in taken]
        users = set(
            User.objects.filter(pk__in={row[1] for row in rows}).values_list("pk", flat=True)
        )
        records = [_record(row) for row in rows if row[1] in users]
        try:
            UsageRecord.objects.bulk_create(records)
        except Exception:
            client.rpush(key, *taken)  # back to the list for the next flush
            raise
        inserted += len(records)
        if len(taken) < batch:
            break
    return inserted


def record_staff_access(*, staff, subject, what: str, object_id) -> StaffAccess:
    return StaffAccess.objects.create(
        staff=staff, subject=subject, what=what, object_id=str(object_id)
    )


def purge(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete usage and staff-access records older than the retention period."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.USAGE_RETENTION_DAYS)
    usage, _ = UsageRecord.objects.filter(at__lt=cutoff).delete()
    accesses, _ = StaffAccess.objects.filter(at__lt=cutoff).delete()
    return {"usage": usage, "staff_access": accesses}


class RecordsStaffViews(_ModelAdminMixinBase):
    """For ModelAdmins of a person's data: every change/view page a staff member opens is
    recorded (who, whose, what, when). `subject_of(obj)` returns the person."""

    staff_access_what = ""

    def subject_of(self, obj):
        return obj.user

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = getattr(response, "context_data", {}).get("original")
        if obj is not None and request.method == "GET":
            record_staff_access(
                staff=request.user,
                subject=self.subject_of(obj),
                what=self.staff_access_what or obj._meta.model_name,
                object_id=obj.pk,
            )
        return response
