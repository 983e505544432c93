"""The no-show restriction of an office (I相談4(3), K6(5)): counted in one place.

A no-show counts when it is within the office's window and no restriction was lifted for
the person at the office after it."""

import datetime as dt

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from ..models import Booking, NoShowLift, Office


def window_start(office: Office, now: dt.datetime) -> dt.datetime:
    """No-shows from this moment on count (the office's window)."""
    return now - dt.timedelta(days=office.no_show_window_days)


def lifted_later(office: Office | int) -> Exists:
    """For a booking (the outer row): a restriction was lifted for its person at the office
    (or the office's id) after its start, so it no longer counts."""
    return Exists(
        NoShowLift.objects.filter(
            office=office, user=OuterRef("user"), at__gte=OuterRef("slot__starts_at")
        )
    )


def counted_no_show(office: Office, now: dt.datetime) -> Q:
    """The bookings that count towards the office's no-show policy now."""
    in_window = Q(
        status=Booking.Status.NO_SHOW,
        slot__office=office,
        slot__starts_at__gte=window_start(office, now),
    )
    return in_window & ~Q(lifted_later(office))


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
