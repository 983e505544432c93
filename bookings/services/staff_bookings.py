"""Bookings staff make for a person: a follow-up booked during a consultation (K6(2)(4)),
and a move to another slot when the person asks. Keyword-only arguments, one transaction
each."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import profile_for
from portal import dates
from terms.models import Consent

from ..errors import BookingError
from ..models import Booking, BookingEvent, Slot
from ..selectors.suspensions import is_suspended_at
from ..selectors.waiting import refuse_queue_jump
from .bookings import (
    _insert_booking,
    confirm_booking,
    lock_person,
    refuse_overlap,
)
from .events import log_event
from .moves import lock_move, move_locked


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
    request): the old room stops working, a new one is issued, the person is told. The
    move itself is the core the person's own change shares (`moves.move_locked`); staff's
    moves do not count against the office's limit of the person's own."""
    booking, slot = lock_move(booking=booking, slot_id=slot_id)
    if booking.status not in Booking.ACTIVE:
        raise BookingError(_("This booking is no longer open."), "state")
    if slot.office_id != booking.slot.office_id:
        raise BookingError(_("This slot does not belong to this office."), "other_office")
    if slot.cancelled_at is not None or slot.starts_at <= timezone.now():
        raise BookingError(_("Choose a slot in the future that is not cancelled."), "closed")
    with translation.override(settings.LANGUAGE_CODE):  # the audit trail is the office's
        old_when = dates.span(booking.slot.starts_at, booking.slot.ends_at)
    return move_locked(
        booking=booking,
        slot=slot,
        actor=actor,
        note=f"{old_when} → {reason}",
        by_person=actor is not None and actor.pk == booking.user_id,
    )
