"""Moving a booking to another slot of its office: the person's own change of date and time
(予約の変更), and the core that staff's move shares (`staff_bookings.move_booking`).
Keyword-only arguments, one transaction each.

A move changes the booking's own row from the old seat to the new one: in one UPDATE the
new seat is taken and the old one freed, never both, never neither. Everything the booking
holds (the person's details and notes, the consent its application recorded, its history)
stays with it. Locks, in the order of `lock_person`: the person, the booking, then both
slots in the order of their ids (so that two moves between the same two slots, either
way, wait for each other instead of deadlocking)."""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Message, User
from accounts.services import post_message
from portal import dates
from portal.jobs import enqueue_on_commit

from .. import caches
from ..errors import BookingError
from ..models import Booking, BookingEvent, Slot
from ..selectors.consent import missing_consents
from ..selectors.moves import move_refusal, target_refusal
from ..selectors.waiting import refuse_queue_jump
from .bookings import (
    _take_seat,
    booking_message_params,
    lock_booking,
    lock_person,
    refuse_overlap,
)
from .events import log_event
from .rooms import invalidate_rooms, issue_room_task
from .waiting_offers import offer_seats_on_commit


def lock_move(*, booking: Booking, slot_id: int) -> tuple[Booking, Slot]:
    """Lock what a move changes (see the module's note on their order): the booking as it
    is now (with its slot, office and person) and the slot it moves to."""
    lock_person(booking.user_id)
    locked = lock_booking(booking.pk)
    slots = {
        slot.pk: slot
        for slot in Slot.objects.select_for_update()
        .filter(pk__in={locked.slot_id, slot_id})
        .order_by("pk")
    }
    if slot_id not in slots:
        raise BookingError(_("This slot does not exist. Please choose another."), "missing")
    return locked, slots[slot_id]


def move_locked(
    *,
    booking: Booking,
    slot: Slot,
    actor: User | None,
    note: str,
    by_person: bool,
    message_params: dict | None = None,
) -> Booking:
    """Move a locked open booking to a locked slot of its office (the checks of who may
    move it to where are the caller's): the new seat is taken and the old freed in one
    UPDATE, the old room stops working, a new one follows through the room job, the
    history records it and the person is told what changed."""
    refuse_overlap(user=booking.user, slot=slot, moving=booking, by_staff=not by_person)
    refuse_queue_jump(slot=slot, user=booking.user, by_staff=not by_person)
    offer_seats_on_commit(booking.slot)  # a seat left in a session goes to its waiting list
    # The room of the old time goes first, while the booking still names its counsellor
    # (a fixed room is that counsellor's); a refusal below rolls it back with the rest.
    invalidate_rooms(booking=booking)
    caches.slot_weeks.changed(slot.office_id)
    old_starts_at, old_ends_at = booking.slot.starts_at, booking.slot.ends_at
    booking.slot = slot
    booking.seat = _take_seat(slot)
    booking.awaiting_room = booking.status == Booking.Status.CONFIRMED  # a new room
    fields = ["slot", "seat", "awaiting_room"]
    if by_person:
        booking.times_moved += 1
        fields.append("times_moved")
    try:
        with transaction.atomic():
            booking.save(update_fields=fields)
    except IntegrityError:
        raise BookingError(
            _("This slot has just been taken. Please choose another."), "taken"
        ) from None
    event = log_event(booking=booking, action=BookingEvent.Action.MOVED, actor=actor, note=note)
    post_message(
        user=booking.user,
        kind=Message.Kind.BOOKING_MOVED,
        params=booking_message_params(
            booking,
            old_starts_at=old_starts_at,
            old_ends_at=old_ends_at,
            confirmed=booking.status == Booking.Status.CONFIRMED,
            **(message_params or {}),
        ),
        key=f"booking-moved:{booking.pk}:{event.pk}",
        key_is_new=True,  # it names the event logged just now
    )
    if booking.status == Booking.Status.CONFIRMED:
        enqueue_on_commit(issue_room_task, booking.pk)
    return booking


def _span_in_office_language(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    with translation.override(settings.LANGUAGE_CODE):  # the audit trail is the office's
        return dates.span(starts_at, ends_at)


@transaction.atomic
def reschedule_booking(
    *, booking: Booking, user: User, slot_id: int, now: dt.datetime | None = None
) -> Booking:
    """The person changes the date and time of their own open booking to another free
    slot of the same office (予約の変更): allowed while both the booking and the new slot
    are before their cut-off, as often as the office allows (`Office.move_limit`), with
    consent to the terms in force. A request moves as a request; a confirmed booking gets
    a new room. Refused with a BookingError (and nothing changed) when a rule fails."""
    now = now or timezone.now()
    if booking.user_id != user.pk:
        raise BookingError(_("This booking does not exist."), "missing")
    booking, slot = lock_move(booking=booking, slot_id=slot_id)
    refusal = move_refusal(booking, now) or target_refusal(booking, slot, now)
    if refusal is not None:
        raise refusal
    if missing_consents(user, booking.slot.office):
        raise BookingError(
            _("The terms of use have changed. Please read the changes and agree first."),
            "terms_revised",
        )
    old = _span_in_office_language(booking.slot.starts_at, booking.slot.ends_at)
    new = _span_in_office_language(slot.starts_at, slot.ends_at)
    return move_locked(
        booking=booking,
        slot=slot,
        actor=user,
        note=f"{old} → {new}",
        by_person=True,
        message_params={"by_person": True},
    )
