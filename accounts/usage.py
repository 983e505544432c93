"""Usage records of signed-in requests, and the record of staff looking at a person's data.

Writing a usage record never breaks a page: a failure is logged and the response goes out.
The device is kept only as an HMAC (a key from the environment) of the user agent and the
IP address's network prefix, so no report or export can show a device or an address.

A request does not write its record to the database: it appends it to a list in Redis
(one RPUSH), and a job every minute moves the list into the table in batches
(`flush_pending`, the beat's `flush-usage-records`), so that the pages people use most
cost no write to the database. Without Redis (the file cache of `make run`) or while it
is down, the request inserts its record itself (`insert_with_asynchronous_commit`). A
Redis that loses its data loses at most the last minute of records: they are statistics.
"""

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import caches
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
    message = f"{user_agent}\n{ip_prefix(address)}".encode()
    return hmac.new(_hash_key(), message, hashlib.sha256).hexdigest()


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


def record_request(request, status_code: int) -> UsageRecord:
    match = getattr(request, "resolver_match", None)
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:500]
    record = UsageRecord(
        at=timezone.now(),
        user=request.user,
        path_name=(match.view_name if match else "")[:100] or "unresolved",
        office_slug=(match.kwargs.get("slug", "") if match else "")[:50],
        method=request.method[:8],
        status_code=status_code,
        device_hash=device_hash(user_agent, request.META.get("REMOTE_ADDR", "")),
        is_smartphone=bool(SMARTPHONE.search(user_agent)),
    )
    if not _append_pending(record):
        # Every signed-in request writes one record. They are statistics, so the response
        # does not wait for the disk: on PostgreSQL the record's commit is asynchronous (a
        # crash can lose the last fraction of a second of usage records, never anything
        # else).
        insert_with_asynchronous_commit(record)
    return record


PENDING_KEY = "usage:pending"  # the Redis list of records not in the table yet
FLUSH_BATCH = 2000
_FIELDS = ("user_id", "path_name", "office_slug", "method", "status_code", "device_hash")


def _pending_key() -> str:
    return caches["default"].make_key(PENDING_KEY)


def _append_pending(record: UsageRecord) -> bool:
    """Append the record to the pending list; False if there is no Redis to append to."""
    client = redis_client()
    if client is None:
        return False
    row = [record.at.isoformat(), *(getattr(record, f) for f in _FIELDS), record.is_smartphone]
    try:
        client.rpush(_pending_key(), json.dumps(row))
    except RedisError:
        return False
    return True


def flush_pending(*, batch: int = FLUSH_BATCH) -> int:
    """Move the pending records into the table, `batch` at a time (each taken from the
    list atomically, so two flushes at once never insert a record twice); the records
    of people deleted meanwhile are dropped. Returns how many were inserted."""
    client = redis_client()
    if client is None:
        return 0
    key = _pending_key()
    inserted = 0
    while taken := client.lpop(key, batch):
        rows = [json.loads(item) for item in taken]
        users = set(
            User.objects.filter(pk__in={row[1] for row in rows}).values_list("pk", flat=True)
        )
        records = [
            UsageRecord(
                at=dt.datetime.fromisoformat(row[0]),
                is_smartphone=row[-1],
                **dict(zip(_FIELDS, row[1:-1], strict=True)),
            )
            for row in rows
            if row[1] in users
        ]
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
