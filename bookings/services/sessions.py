"""Sessions (seminars, job fairs, selection interviews, company tours, meetings; I 前文,
I1): staff cancel one, the host marks each participant's attendance. Booking a seat is
`create_booking` (with the session's own rules), its room the room job's."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Message, User
from accounts.services import post_message

from .. import caches
from ..errors import BookingError
from ..models import Booking, BookingEvent, Slot
from .bookings import booking_message_params
from .events import log_event
from .rooms import invalidate_rooms, invalidate_session_room
from .waiting import close_waiting_list


@transaction.atomic
def cancel_session(
    *, slot: Slot, actor: User | None, reason: str, now: dt.datetime | None = None
) -> int:
    """Staff cancel a session before it ends: every open booking of it is cancelled with
    the reason (logged, and each participant told in the mailbox), its rooms and the
    session's meeting stop working now (the provider deletes the meeting after commit).
    Returns how many bookings were cancelled."""
    now = now or timezone.now()
    if not reason.strip():
        raise BookingError(_("Give a reason: the participants are told why."), "reason")
    # Lock order, as everywhere: the bookings, then the slot.
    bookings = list(
        Booking.objects.select_for_update(of=("self",))
        .filter(slot_id=slot.pk, status__in=Booking.ACTIVE)
        .select_related("slot__office", "user")
        .order_by("pk")
    )
    slot = Slot.objects.select_for_update().get(pk=slot.pk)
    if not slot.is_session:
        raise BookingError(
            _("This is an individual consultation: cancel its booking instead."), "not_session"
        )
    if slot.cancelled_at is not None:
        raise BookingError(_("This session has already been cancelled."), "state")
    if slot.ends_at <= now:
        raise BookingError(_("This session is over; it can no longer be cancelled."), "over")
    slot.cancelled_at = now
    slot.save(update_fields=["cancelled_at"])
    caches.slot_weeks.changed(slot.office_id)
    for booking in bookings:
        booking.slot = slot
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.cancel_reason = reason
        booking.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        invalidate_rooms(booking=booking)
        log_event(
            booking=booking, action=BookingEvent.Action.SESSION_CANCELLED, actor=actor, note=reason
        )
        post_message(
            user=booking.user,
            kind=Message.Kind.BOOKING_CANCELLED,
            params=booking_message_params(
                booking, reason=reason, by_staff=True, session_cancelled=True
            ),
            key=f"session-cancelled:{booking.pk}",
        )
    # The people on its waiting list are told too (their entries end).
    close_waiting_list(slot=slot, reason=reason, now=now)
    invalidate_session_room(slot=slot, now=now)
    return len(bookings)


@transaction.atomic
def mark_attendance(
    *, booking: Booking, present: bool, actor: User | None, now: dt.datetime | None = None
) -> Booking:
    """The host marks one participant of a session present or absent, from its start.
    Absent is a no-show cancellation only where staff enabled the no-show rule for the
    session; otherwise it is recorded and the booking stays as it was."""
    now = now or timezone.now()
    booking = (
        Booking.objects.select_for_update(of=("self",)).select_related("slot").get(pk=booking.pk)
    )
    slot = booking.slot
    if not slot.is_session:
        raise BookingError(_("Attendance is marked here for sessions only."), "not_session")
    if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.COMPLETED):
        raise BookingError(_("Only a confirmed booking can be marked."), "state")
    if now < slot.starts_at:
        raise BookingError(_("Attendance can be marked once the session has started."), "early")
    if present:
        booking.started_at = booking.started_at or now
        booking.save(update_fields=["started_at"])
        log_event(booking=booking, action=BookingEvent.Action.ATTENDED, actor=actor)
        return booking
    log_event(booking=booking, action=BookingEvent.Action.ABSENT, actor=actor)
    if slot.no_show_applies and booking.status == Booking.Status.CONFIRMED:
        booking.status = Booking.Status.NO_SHOW
        booking.no_show_at = now
        booking.cancelled_at = now
        booking.save(update_fields=["status", "no_show_at", "cancelled_at"])
        log_event(booking=booking, action=BookingEvent.Action.NO_SHOW, actor=actor)
        invalidate_rooms(booking=booking)
        post_message(
            user=booking.user,
            kind=Message.Kind.NO_SHOW,
            params=booking_message_params(booking, minutes=settings.NO_SHOW_AFTER_MINUTES),
            key=f"no-show:{booking.pk}",
        )
    return booking
