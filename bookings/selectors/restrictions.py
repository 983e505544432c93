"""The no-show restriction of an office (I相談4(3), K6(5)): counted in one place.

A no-show counts when it is within the office's window and no restriction was lifted for
the person at the office after it."""

import datetime as dt

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from ..models import Booking, NoShowLift, Office


def counted_no_show(office: Office, now: dt.datetime) -> Q:
    """The bookings that count towards the office's no-show policy now."""
    since = now - dt.timedelta(days=office.no_show_window_days)
    lifted_later = NoShowLift.objects.filter(
        office=office, user=OuterRef("user"), at__gte=OuterRef("slot__starts_at")
    )
    return Q(status=Booking.Status.NO_SHOW, slot__office=office, slot__starts_at__gte=since) & ~Q(
        Exists(lifted_later)
    )


def is_restricted(no_shows: int, office: Office) -> bool:
    return bool(office.no_show_limit) and no_shows >= office.no_show_limit


def restricted_users(office: Office, *, now: dt.datetime | None = None) -> list[dict]:
    """People whose no-shows at the office reach its policy: user_id, email, count and the
    last counted no-show."""
    if not office.no_show_limit:
        return []
    rows = (
        Booking.objects.filter(counted_no_show(office, now or timezone.now()))
        .values("user_id", "user__email")
        .annotate(count=Count("pk"), last=Max("slot__starts_at"))
        .filter(count__gte=office.no_show_limit)
        .order_by("user_id")
    )
    return [
        {"user_id": r["user_id"], "email": r["user__email"], "count": r["count"], "last": r["last"]}
        for r in rows
    ]
