"""Requests waiting for a counsellor's answer."""

import datetime as dt

from django.utils import timezone

from .. import calendar
from ..models import Booking


def answer_by(booking: Booking) -> dt.datetime:
    """A request unanswered by then is overdue (2 business days, K6(3))."""
    return calendar.add_business_days(booking.slot.office, booking.created_at, 2)


def overdue_requests(*, now: dt.datetime | None = None) -> list[Booking]:
    now = now or timezone.now()
    # Closures come with their office (one query), not once per request.
    requests = (
        Booking.objects.filter(status=Booking.Status.REQUESTED)
        .select_related("slot__office")
        .prefetch_related("slot__office__closures")
    )
    return [booking for booking in requests if answer_by(booking) < now]
