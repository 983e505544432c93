"""Bookings staff make for a person: a follow-up booked during a consultation (K6(2)(4)),
and a move to another slot when the person asks. Keyword-only arguments, one transaction
each."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Message, User
from accounts.selectors import profile_for
from accounts.services import post_message
from portal import dates
from portal.jobs import enqueue_on_commit
from terms.models import Consent

from .. import caches
from ..errors import BookingError
from ..models import Booking, BookingEvent, Slot
from ..selectors.suspensions import is_suspended_at
from ..selectors.waiting import refuse_queue_jump
from .bookings import (
    _insert_booking,
    _take_seat,
    booking_message_params,
    confirm_booking,
    lock_person,
    refuse_overlap,
)
from .events import log_event
from .rooms import invalidate_rooms, issue_room_task
from .waiting_offers import offer_seats_on_commit


@transaction.atomic
def book_follow_up(*, counsellor_user: User, user: User, slot_id: int, note: str = "") -> Booking:
    """A second or later booking made by the counsellor during a consultation (K6(2)(4)):
    confirmed at once. The person's profile gives the details; their consent is on record."""
    lock_person(user.pk)  # the person first, then the slot (see `lock_person`)
    slot = Slot.objects.select_for_update().select_related("office").filter(pk=slot_id).first()
    if slot is None:
        raise BookingError(_("This slot does not exist. Please choose another."), "missing")
    if slot.cancelled_at is not None or slot.starts_at <= timezone.now():
        raise BookingError(_("Choose a slot in the future that is not cancelled."), "closed")
    if is_suspended_at(user, slot.office_id):
        raise BookingError(_("This person's use is suspended."), "suspended")
    if not Consent.objects.filter(user=user, version__document__offices=slot.office).exists():
        raise BookingError(_("This person has no consent on record for this office."), "terms")
    profile = profile_for(user)
    if not profile.phone:
        raise BookingError(_("This person's profile has no registered phone."), "profile")
    refuse_overlap(user=user, slot=slot, by_staff=True)
    refuse_queue_jump(slot=slot, user=user, by_staff=True)
    booking = _insert_booking(
        slot=slot,
        user=user,
        status=Booking.Status.REQUESTED,
        full_name=profile.full_name or user.email,
        full_name_kana=profile.full_name_kana,
        job_seeker_number=profile.job_seeker_number,
        phone=profile.phone,
        booked_by=counsellor_user,
    )
    log_event(
        booking=booking,
        action=BookingEvent.Action.FOLLOW_UP_BOOKED,
        actor=counsellor_user,
        note=note,
    )
    return confirm_booking(booking=booking, actor=counsellor_user)


@transaction.atomic
def move_booking(
    *, booking: Booking, slot_id: int, actor: User | None, reason: str = ""
) -> Booking:
    """Move an open booking to another slot of the same office (staff, at the person's
    request): the old room stops working, a new one is issued, the person is told."""
    lock_person(booking.user_id)  # the person first, then the booking and the slot
    booking = Booking.objects.select_for_update().select_related("slot__office").get(pk=booking.pk)
    if booking.status not in Booking.ACTIVE:
        raise BookingError(_("This booking is no longer open."), "state")
    slot = Slot.objects.select_for_update().filter(pk=slot_id).first()
    if slot is None:
        raise BookingError(_("This slot does not exist. Please choose another."), "missing")
    if slot.office_id != booking.slot.office_id:
        raise BookingError(_("This slot does not belong to this office."), "other_office")
    if slot.cancelled_at is not None or slot.starts_at <= timezone.now():
        raise BookingError(_("Choose a slot in the future that is not cancelled."), "closed")
    by_staff = actor is None or actor.pk != booking.user_id
    refuse_overlap(user=booking.user, slot=slot, moving=booking, by_staff=by_staff)
    refuse_queue_jump(slot=slot, user=booking.user, by_staff=by_staff)
    caches.slot_weeks.changed(slot.office_id)
    offer_seats_on_commit(booking.slot)  # the seat left goes to its waiting list
    old_starts_at, old_ends_at = booking.slot.starts_at, booking.slot.ends_at
    booking.slot = slot
    booking.seat = _take_seat(slot)
    booking.awaiting_room = booking.status == Booking.Status.CONFIRMED  # a new room
    try:
        with transaction.atomic():
            booking.save(update_fields=["slot", "seat", "awaiting_room"])
    except IntegrityError:
        raise BookingError(
            _("This slot has just been taken. Please choose another."), "taken"
        ) from None
    invalidate_rooms(booking=booking)
    with translation.override(settings.LANGUAGE_CODE):  # the audit trail is the office's
        old_when = dates.span(old_starts_at, old_ends_at)
    log_event(
        booking=booking,
        action=BookingEvent.Action.MOVED,
        actor=actor,
        note=f"{old_when} → {reason}",
    )
    post_message(
        user=booking.user,
        kind=Message.Kind.BOOKING_MOVED,
        params=booking_message_params(
            booking,
            old_starts_at=old_starts_at,
            old_ends_at=old_ends_at,
            confirmed=booking.status == Booking.Status.CONFIRMED,
        ),
        key=f"booking-moved:{booking.pk}:{slot.pk}",
    )
    if booking.status == Booking.Status.CONFIRMED:
        enqueue_on_commit(issue_room_task, booking.pk)
    return booking
