"""Requests past their answer-by moment (K6(3)): the office's staff are alerted (a mailbox
message, and the e-mail that says one is waiting, to each of its counsellors and
managers; the day view marks the request through `selectors.waiting_requests`), and the
person is told to phone the office.

A request whose answer-by moment is its booking cut-off is not alerted: at that moment it
expires instead (`services.expiry`), and the person is told then."""

import datetime as dt
import logging
from collections import defaultdict

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Message
from accounts.services import post_new_messages

from .. import calendar
from ..models import Booking, BookingEvent, StaffMembership
from ..selectors.requests import answer_by, overdue_requests
from .bookings import booking_message_params

logger = logging.getLogger(__name__)


def _due_alerts(now: dt.datetime) -> dict[int, dt.datetime]:
    """The overdue requests not alerted yet and not at their cut-off: booking → answer-by."""
    due = {}
    for booking in overdue_requests(now=now):
        office = booking.slot.office
        deadline = calendar.booking_deadline(
            office, booking.slot.starts_at, calendar.closures_of(office)
        )
        if booking.overdue_alerted_at is None and now < deadline:
            due[booking.pk] = answer_by(booking)
    return due


def alert_overdue_requests(*, now: dt.datetime | None = None) -> int:
    """Alert the staff of each request that passed its answer-by moment unanswered, and
    tell the person to phone. One conditional UPDATE claims the requests: two runs (or a
    confirmation that commits first) never alert twice. Returns how many were alerted."""
    now = now or timezone.now()
    due = _due_alerts(now)
    if not due:
        return 0
    with transaction.atomic():
        alerted = Booking.objects.filter(
            pk__in=list(due), status=Booking.Status.REQUESTED, overdue_alerted_at__isnull=True
        ).update(overdue_alerted_at=now)
        if not alerted:
            return 0
        # `overdue_alerted_at=now` tags exactly the rows this run claimed.
        bookings = list(
            Booking.objects.filter(pk__in=list(due), overdue_alerted_at=now).select_related(
                "slot__office", "user"
            )
        )
        staff = defaultdict(list)
        for membership in StaffMembership.objects.filter(
            office_id__in={booking.slot.office_id for booking in bookings},
            user__is_active=True,
        ).select_related("user"):
            staff[membership.office_id].append(membership.user)
        BookingEvent.objects.bulk_create(
            BookingEvent(booking=booking, action=BookingEvent.Action.OVERDUE_ALERTED, at=now)
            for booking in bookings
        )
        messages = []
        for booking in bookings:
            messages += _messages(booking, due[booking.pk], staff[booking.slot.office_id])
        # The keys name a state entered in this transaction, under the UPDATE's row locks.
        post_new_messages(messages)
    logger.info("staff alerted of %s unanswered booking requests", alerted)
    return alerted


def _messages(booking: Booking, due: dt.datetime, staff: list) -> list[Message]:
    office_id = booking.slot.office_id
    person = Message(
        user=booking.user,
        kind=Message.Kind.REQUEST_OVERDUE,
        params=booking_message_params(booking, office_id=office_id, answer_by_at=due),
        key=f"request-overdue:{booking.pk}",
    )
    change_page = reverse("admin:bookings_booking_change", args=[booking.pk])
    params = booking_message_params(
        booking,
        office_id=office_id,
        booking_id=booking.pk,
        full_name=booking.full_name,
        full_name_kana=booking.full_name_kana,
        requested_at=booking.created_at,
        answer_by_at=due,
        admin_url=settings.SITE_URL + change_page,
    )
    return [person] + [
        Message(
            user=member,
            kind=Message.Kind.REQUEST_OVERDUE_STAFF,
            params=params,
            link=change_page,
            key=f"request-overdue-staff:{booking.pk}",
        )
        for member in staff
    ]


@shared_task(name="bookings.tasks.alert_overdue_requests", acks_late=True)
def alert_overdue_requests_task() -> int:
    return alert_overdue_requests()
