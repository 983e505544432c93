"""Requests nobody answered in time: at the booking cut-off of its slot, a request still
waiting for a counsellor expires (予約申込みの期限切れ). Its seat is free again, the person
is told in the mailbox (with the office's phone), and it counts as nothing against them:
only no-shows count towards a restriction."""

import datetime as dt
import logging
import operator
from functools import reduce

from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Message
from accounts.services import post_new_messages

from .. import caches, calendar
from ..models import Booking, BookingEvent, Office
from .bookings import booking_message_params

logger = logging.getLogger(__name__)


def _due_requests(now: dt.datetime) -> list[tuple[int, int]]:
    """(booking, slot) of the requests whose cut-off has passed, in one query: per office,
    the requests of slots starting before its first bookable moment, which is exactly
    the slots whose booking deadline has passed (`calendar.first_bookable_moment`)."""
    offices = (
        Office.objects.filter(slots__bookings__status=Booking.Status.REQUESTED)
        .distinct()
        .prefetch_related("closures")
    )
    closed = [
        Q(slot__office=office, slot__starts_at__lt=calendar.first_bookable_moment(office, now))
        for office in offices
    ]
    if not closed:
        return []
    return list(
        Booking.objects.filter(reduce(operator.or_, closed), status=Booking.Status.REQUESTED)
        .values_list("pk", "slot_id")
        .order_by("pk")
    )


def expire_requests(*, now: dt.datetime | None = None) -> int:
    """Expire every request still unanswered at its booking cut-off. One conditional
    UPDATE: a confirmation (or a move) that commits first wins, and running twice or late
    changes nothing more. Returns how many requests expired."""
    now = now or timezone.now()
    due = _due_requests(now)
    if not due:
        return 0
    with transaction.atomic():
        # Every condition is on the booking row itself, so PostgreSQL re-checks them after
        # waiting for a concurrent confirmation, decline or move (the row no longer
        # matches); a condition through a join would not be re-checked.
        expired = Booking.objects.filter(
            pk__in=[pk for pk, _slot in due],
            slot_id__in={slot_id for _pk, slot_id in due},
            status=Booking.Status.REQUESTED,
        ).update(status=Booking.Status.EXPIRED, expired_at=now)
        if not expired:
            return 0
        # `expired_at=now` tags exactly the rows this run changed.
        bookings = list(
            Booking.objects.filter(
                pk__in=[pk for pk, _slot in due], status=Booking.Status.EXPIRED, expired_at=now
            ).select_related("slot__office", "user")
        )
        BookingEvent.objects.bulk_create(
            BookingEvent(booking=booking, action=BookingEvent.Action.EXPIRED, at=now)
            for booking in bookings
        )
        for booking in bookings:  # the UPDATE above sent no signal
            caches.my_page.changed(booking.user_id)
        for office_id in {booking.slot.office_id for booking in bookings}:
            caches.slot_weeks.changed(office_id)  # the seats are free again
        # The keys name a state entered in this transaction, under the UPDATE's row locks.
        post_new_messages(
            [
                Message(
                    user=booking.user,
                    kind=Message.Kind.REQUEST_EXPIRED,
                    params=booking_message_params(booking, office_id=booking.slot.office_id),
                    key=f"request-expired:{booking.pk}",
                )
                for booking in bookings
            ]
        )
    logger.info("%s unanswered booking requests expired", expired)
    return expired


@shared_task(name="bookings.tasks.expire_requests", acks_late=True)
def expire_requests_task() -> int:
    return expire_requests()
