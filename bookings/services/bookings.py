"""Bookings: applying, confirming, declining, cancelling, moving, follow-ups, joining.
Keyword-only arguments, one transaction each."""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Message, User
from accounts.services import post_message
from portal import dates
from portal.jobs import enqueue_on_commit

from .. import caches, calendar
from ..errors import BookingError
from ..models import Booking, BookingEvent, Office, Slot
from .events import log_event
from .rooms import invalidate_rooms, issue_room_task
from .waiting_offers import offer_seats_on_commit

logger = logging.getLogger(__name__)


def booking_message_params(booking: Booking, **more: object) -> dict:
    """What every mailbox message about a booking names: the office and the consultation's
    time, and a session's title and notes for participants (the parameters of each kind
    are listed in `accounts.messages`)."""
    office, slot = booking.slot.office, booking.slot
    session = (
        {
            "title": slot.title,
            "title_en": slot.title_en,
            "notes": slot.participant_notes,
            "notes_en": slot.participant_notes_en,
        }
        if slot.is_session
        else {}
    )
    return {
        "office_name": office.name,
        "office_name_en": office.name_en,
        "office_phone": office.phone.as_national if office.phone else "",
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        **session,
        **more,
    }


def check_slot_is_bookable(*, slot: Slot, office: Office, now: dt.datetime | None = None) -> None:
    """Refuse a slot of another office, a cancelled slot, or one whose booking has closed."""
    now = now or timezone.now()
    if slot.office_id != office.pk:
        raise BookingError(_("This slot does not belong to this office."), "other_office")
    if slot.cancelled_at is not None:
        raise BookingError(_("This slot has been cancelled. Please choose another."), "cancelled")
    if now >= calendar.booking_deadline(office, slot.starts_at):
        raise BookingError(
            _("Booking for this slot has closed (bookings close before the day of the slot)."),
            "closed",
        )


def _take_seat(slot: Slot) -> int:
    taken = set(
        Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE).values_list("seat", flat=True)
    )
    for seat in range(1, slot.capacity + 1):
        if seat not in taken:
            return seat
    raise BookingError(_("This slot has just been taken. Please choose another."), "taken")


def _insert_booking(*, slot: Slot, seat: int | None = None, **fields: object) -> Booking:
    """Take `seat` or the first free seat of a (locked) slot; the database's unique
    constraints turn a lost race into a clear "taken" instead of a double booking."""
    seat = seat or _take_seat(slot)
    caches.slot_weeks.changed(slot.office_id)
    try:
        # No savepoint: a lost race ends the caller's transaction (every caller is one).
        with transaction.atomic(savepoint=False):
            return Booking.objects.create(slot=slot, seat=seat, **fields)
    except IntegrityError:
        raise BookingError(
            _("This slot has just been taken. Please choose another."), "taken"
        ) from None


def lock_person(user_id: int) -> None:
    """Lock the person's row: one person's bookings are made or moved one after the other,
    at every office, so that the overlap check below sees what the other made.

    Lock order, everywhere: the person, then a booking, then a slot.

    FOR NO KEY UPDATE: people's locks wait for each other, but not for the key-share lock
    that PostgreSQL takes on the person when another transaction's new row refers to them
    (a message, a booking event: Django's foreign keys are checked at commit). Otherwise a
    transaction holding a booking (a cancellation) that tells its person would deadlock at
    commit with one holding the person and waiting for that booking (a move)."""
    User.objects.select_for_update(no_key=True).filter(pk=user_id).values_list("pk").first()


def lock_booking(booking_id: int) -> Booking:
    """Lock the booking's row alone, then read it with its slot, office and person.

    Not in one statement: a row lock taken through a join is rechecked against the joined
    rows read before the wait, so a booking moved to another slot meanwhile would not be
    found at all (PostgreSQL's READ COMMITTED recheck). The read after the lock sees it."""
    Booking.objects.select_for_update().filter(pk=booking_id).values_list("pk").first()
    return Booking.objects.select_related("slot__office", "user").get(pk=booking_id)


def refuse_overlap(
    *, user: User, slot: Slot, moving: Booking | None = None, by_staff: bool = False
) -> None:
    """A person cannot hold two active bookings that overlap in time, at one office or
    several. Call with the person locked (`lock_person`)."""
    others = Booking.objects.filter(
        user=user,
        status__in=Booking.ACTIVE,
        slot__starts_at__lt=slot.ends_at,
        slot__ends_at__gt=slot.starts_at,
    )
    if moving is not None:
        others = others.exclude(pk=moving.pk)
    other = others.select_related("slot__office").order_by("slot__starts_at").first()
    if other is None:
        return
    names = {
        "office": other.slot.office.display_name,
        "when": dates.span(other.slot.starts_at, other.slot.ends_at),
    }
    if by_staff:
        message = _(
            "This person already has a booking at that time: %(office)s, %(when)s. Choose "
            "another time."
        )
    else:
        message = _(
            "You already have a booking at that time: %(office)s, %(when)s. Please choose "
            "another time, or cancel that booking first."
        )
    raise BookingError(message % names, "overlap")


def tell_request_received(booking: Booking) -> None:
    post_message(
        user=booking.user,
        kind=Message.Kind.BOOKING_REQUESTED,
        params=booking_message_params(booking),
        key=f"booking-requested:{booking.pk}",
    )


@transaction.atomic
def confirm_booking(
    *, booking: Booking, actor: User | None = None, now: dt.datetime | None = None
) -> Booking:
    """The one place where a booking becomes confirmed (the room job hooks in here).

    A request is answered before its slot: once the slot has started it can no longer be
    confirmed (it would only become a no-show). Staff's own bookings are confirmed as
    they are made, also after the start: an immediate consultation (started now) and a
    follow-up booked during a consultation (both have `booked_by`)."""
    now = now or timezone.now()
    booking = lock_booking(booking.pk)
    if booking.status == Booking.Status.CONFIRMED:
        return booking
    if booking.status != Booking.Status.REQUESTED:
        raise BookingError(_("Only a requested booking can be confirmed."), "state")
    made_by_staff = booking.is_immediate or booking.booked_by_id is not None
    if now >= booking.slot.starts_at and not made_by_staff:
        raise BookingError(
            _(
                "This request can no longer be confirmed: its consultation time has already "
                "started. Phone the person if needed."
            ),
            "started",
        )
    booking.status = Booking.Status.CONFIRMED
    booking.confirmed_at = now
    booking.awaiting_room = True
    booking.save(update_fields=["status", "confirmed_at", "awaiting_room"])
    log_event(booking=booking, action=BookingEvent.Action.CONFIRMED, actor=actor)
    announce_confirmed(booking)
    return booking


def announce_confirmed(booking: Booking) -> None:
    """What follows a booking's confirmation: the person's message, and the room job once
    the transaction commits."""
    post_message(
        user=booking.user,
        kind=Message.Kind.BOOKING_CONFIRMED,
        params=booking_message_params(booking),
        key=f"booking-confirmed:{booking.pk}",
        key_is_new=True,  # a booking becomes confirmed once, under its row lock
    )
    enqueue_on_commit(issue_room_task, booking.pk)


@transaction.atomic
def decline_booking(*, booking: Booking, actor: User | None, reason: str) -> Booking:
    booking = lock_booking(booking.pk)
    if booking.status != Booking.Status.REQUESTED:
        raise BookingError(_("Only a requested booking can be declined."), "state")
    if not reason.strip():
        raise BookingError(_("Give a reason: the person is told why."), "reason")
    caches.slot_weeks.changed(booking.slot.office_id)
    booking.status = Booking.Status.DECLINED
    booking.cancelled_at = timezone.now()
    booking.cancel_reason = reason
    booking.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    offer_seats_on_commit(booking.slot)  # to the waiting list
    log_event(booking=booking, action=BookingEvent.Action.DECLINED, actor=actor, note=reason)
    post_message(
        user=booking.user,
        kind=Message.Kind.BOOKING_DECLINED,
        params=booking_message_params(booking, reason=reason),
        key=f"booking-declined:{booking.pk}",
    )
    return booking


@transaction.atomic
def cancel_booking(
    *,
    booking: Booking,
    actor: User | None,
    reason: str = "",
    on_behalf: bool = False,
    now: dt.datetime | None = None,
) -> Booking:
    """Cancel up to the start: by the person, or by staff when the person phones."""
    now = now or timezone.now()
    booking = lock_booking(booking.pk)
    if booking.status not in Booking.ACTIVE:
        raise BookingError(_("This booking is no longer open."), "state")
    if not on_behalf and not booking.may_be_cancelled_by_person(now):
        raise BookingError(
            _(
                "The consultation has started; it can no longer be cancelled here. Please phone "
                "the office."
            ),
            "started",
        )
    if on_behalf and not reason.strip():
        raise BookingError(_("Give a reason for cancelling on the person's behalf."), "reason")
    caches.slot_weeks.changed(booking.slot.office_id)
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = now
    booking.cancel_reason = reason
    booking.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    offer_seats_on_commit(booking.slot)  # to the waiting list
    invalidate_rooms(booking=booking)
    log_event(
        booking=booking,
        action=(
            BookingEvent.Action.CANCELLED_BY_STAFF if on_behalf else BookingEvent.Action.CANCELLED
        ),
        actor=actor,
        note=reason,
    )
    post_message(
        user=booking.user,
        kind=Message.Kind.BOOKING_CANCELLED,
        params=booking_message_params(booking, reason=reason, by_staff=on_behalf),
        key=f"booking-cancelled:{booking.pk}",
    )
    return booking


@transaction.atomic
def record_join(*, booking: Booking, now: dt.datetime | None = None) -> Booking:
    """The person opened the meeting from My Page: the first time is what counts."""
    # Conditional: a no-show sweep that committed first has taken the booking already.
    updated = Booking.objects.filter(
        pk=booking.pk, joined_at__isnull=True, status=Booking.Status.CONFIRMED
    ).update(joined_at=now or timezone.now())
    if updated:
        log_event(booking=booking, action=BookingEvent.Action.JOINED, actor=booking.user)
    booking.refresh_from_db(fields=["joined_at"])
    return booking
