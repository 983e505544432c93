"""Requests waiting for a counsellor's answer, and the one rule of when each is due: the
booking page, the admin's filter, the staff alert and the counsellor's day view use it."""

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from django.db.models import QuerySet
from django.utils import timezone

from .. import calendar
from ..models import Booking

ANSWER_WITHIN_BUSINESS_DAYS = 2  # K6(3)


def answer_by(booking: Booking) -> dt.datetime:
    """The last moment (Japan time) a request is answered in time: the end of the second
    business day after it was made (K6(3)), or, when that comes later, the end of its
    slot's booking cut-off, after which an unanswered request expires. Always before the
    consultation. A request still unanswered after this is overdue."""
    office = booking.slot.office
    closures = calendar.closures_of(office)
    within = calendar.add_business_days(
        office, booking.created_at, ANSWER_WITHIN_BUSINESS_DAYS, closures
    )
    cut_off = calendar.booking_deadline(office, booking.slot.starts_at, closures)
    return timezone.localtime(min(within, cut_off - dt.timedelta(microseconds=1)))


def is_overdue(booking: Booking, now: dt.datetime) -> bool:
    return booking.status == Booking.Status.REQUESTED and now > answer_by(booking)


def _requests(office_ids: Iterable[int] | None = None) -> QuerySet[Booking]:
    # Closures come with their office (one query), not once per request.
    requests = (
        Booking.objects.filter(status=Booking.Status.REQUESTED)
        .select_related("slot__office", "user")
        .prefetch_related("slot__office__closures")
    )
    if office_ids is not None:
        requests = requests.filter(slot__office_id__in=list(office_ids))
    return requests


def overdue_requests(
    *, now: dt.datetime | None = None, office_ids: Iterable[int] | None = None
) -> list[Booking]:
    """Requests past their answer-by moment, still unanswered (of these offices)."""
    now = now or timezone.now()
    return [booking for booking in _requests(office_ids) if is_overdue(booking, now)]


class WaitingRequest(NamedTuple):
    booking: Booking
    answer_by: dt.datetime
    overdue: bool


def waiting_requests(
    office_ids: Iterable[int], now: dt.datetime | None = None
) -> list[WaitingRequest]:
    """The requests of these offices waiting for an answer, oldest first, each with its
    answer-by moment and whether it is overdue (the counsellor's day view marks those)."""
    now = now or timezone.now()
    waiting = []
    for booking in _requests(office_ids).order_by("created_at", "pk"):
        due = answer_by(booking)
        waiting.append(WaitingRequest(booking=booking, answer_by=due, overdue=now > due))
    return waiting
