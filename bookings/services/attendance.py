"""Attendance: what the counsellor records, and the 10-minute no-show rule (I4(3), K6(5))."""

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Message, User
from accounts.services import post_message
from portal.jobs import enqueue_on_commit

from .. import caches
from ..errors import BookingError
from ..models import Booking, BookingEvent, SessionKind
from .bookings import booking_message_params
from .events import log_event
from .rooms import invalidate_rooms, issue_room_task

logger = logging.getLogger(__name__)


# --- what the counsellor records ---------------------------------------------------------

MARKS = {
    BookingEvent.Action.STARTED: "started_at",
    BookingEvent.Action.COMPLETED: "completed_at",
    BookingEvent.Action.CONTACTED: "contacted_at",
}


@transaction.atomic
def record(
    *,
    booking: Booking,
    mark: BookingEvent.Action,
    actor: User | None,
    now: dt.datetime | None = None,
) -> Booking:
    """The counsellor's "started", "completed" or "the person phoned", with the time."""
    field = MARKS[BookingEvent.Action(mark)]
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.COMPLETED):
        raise BookingError(_("Only a confirmed booking can be marked."), "state")
    now = now or timezone.now()
    setattr(booking, field, getattr(booking, field) or now)
    fields = [field]
    if mark == BookingEvent.Action.COMPLETED:
        booking.status = Booking.Status.COMPLETED
        fields.append("status")
    booking.save(update_fields=fields)
    log_event(booking=booking, action=BookingEvent.Action(mark), actor=actor)
    return booking


# --- the no-show sweep -------------------------------------------------------------------


def sweep_no_shows(*, now: dt.datetime | None = None) -> int:
    """Cancel as no-shows the confirmed bookings with no join, no start and no contact
    NO_SHOW_AFTER_MINUTES after their start (of a session only where staff enabled it).
    One conditional UPDATE: a join that commits first wins (the row no longer matches),
    running twice or late changes nothing more."""
    now = now or timezone.now()
    deadline = now - dt.timedelta(minutes=settings.NO_SHOW_AFTER_MINUTES)
    conditions = {
        "status": Booking.Status.CONFIRMED,
        "joined_at__isnull": True,
        "started_at__isnull": True,
        "contacted_at__isnull": True,
    }
    # A session's participants only where staff enabled the rule for it; the host marks
    # their attendance otherwise.
    applies = Q(slot__kind=SessionKind.CONSULTATION) | Q(slot__no_show_applies=True)
    due = list(
        Booking.objects.filter(applies, slot__starts_at__lte=deadline, **conditions).values_list(
            "pk", flat=True
        )
    )
    if not due:
        return 0
    with transaction.atomic():
        # The UPDATE repeats every condition on the booking row itself, so PostgreSQL
        # re-checks them after waiting for a concurrent join: a join that commits first
        # makes the row no longer match. (A condition through a join would not be
        # re-checked.)
        marked = Booking.objects.filter(pk__in=due, **conditions).update(
            status=Booking.Status.NO_SHOW, no_show_at=now, cancelled_at=now
        )
        if not marked:
            return 0
        # `no_show_at=now` tags exactly the rows this run changed.
        for booking in Booking.objects.filter(
            status=Booking.Status.NO_SHOW, no_show_at=now
        ).select_related("slot__office", "user"):
            log_event(
                booking=booking,
                action=BookingEvent.Action.NO_SHOW,
                note=f"{settings.NO_SHOW_AFTER_MINUTES}",
            )
            caches.my_page.changed(booking.user_id)  # the UPDATE above sent no signal
            invalidate_rooms(booking=booking)
            _tell_no_show(booking)
    logger.info("%s bookings cancelled as no-shows", marked)
    return marked


def _tell_no_show(booking: Booking) -> None:
    post_message(
        user=booking.user,
        kind=Message.Kind.NO_SHOW,
        params=booking_message_params(booking, minutes=settings.NO_SHOW_AFTER_MINUTES),
        key=f"no-show:{booking.pk}",
    )


@transaction.atomic
def undo_no_show(*, booking: Booking, actor: User | None, reason: str) -> Booking:
    """The counsellor corrects a no-show (the person had phoned), with a reason. The sweep
    invalidated the booking's room: the room job makes a new one, whose access code
    reaches the person's mailbox and booking page (while the consultation lasts)."""
    if not reason.strip():
        raise BookingError(_("Give a reason for undoing the no-show."), "reason")
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != Booking.Status.NO_SHOW:
        raise BookingError(_("This booking is not a no-show."), "state")
    booking.status = Booking.Status.CONFIRMED
    booking.no_show_at = None
    booking.cancelled_at = None
    booking.contacted_at = booking.contacted_at or timezone.now()
    booking.awaiting_room = True
    try:
        with transaction.atomic():
            booking.save(
                update_fields=[
                    "status",
                    "no_show_at",
                    "cancelled_at",
                    "contacted_at",
                    "awaiting_room",
                ]
            )
    except IntegrityError:  # the freed seat was taken meanwhile
        raise BookingError(
            _("The seat has been taken meanwhile: book the person another slot."), "taken"
        ) from None
    log_event(booking=booking, action=BookingEvent.Action.NO_SHOW_UNDONE, actor=actor, note=reason)
    enqueue_on_commit(issue_room_task, booking.pk)
    return booking


@shared_task(name="bookings.tasks.sweep_no_shows", acks_late=True)
def sweep_no_shows_task() -> int:
    return sweep_no_shows()
