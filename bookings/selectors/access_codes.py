"""The access code of a booking, for the person who booked it."""

from dataclasses import dataclass

from django.utils import timezone

from accounts.models import User
from portal import crypto

from ..models import Booking
from .consent import missing_consents
from .suspensions import is_suspended_at


@dataclass(frozen=True)
class AccessCode:
    meeting_id: str
    passcode: str
    join_url: str


def access_code_for(*, booking: Booking, user: User) -> AccessCode | str | None:
    """The access code if `user` may see it now; "consent" if they must agree to revised
    terms first; None otherwise (not theirs, booking closed, suspended, no room yet)."""
    if booking.user_id != user.pk or is_suspended_at(user, booking.slot.office_id):
        return None
    if booking.status != Booking.Status.CONFIRMED or booking.slot.ends_at <= timezone.now():
        return None
    room = booking.rooms.valid().first()
    if room is None:
        return None
    if missing_consents(user, booking.slot.office, booking.slot):
        return "consent"
    return AccessCode(room.meeting_id, crypto.decrypt(room.passcode_encrypted), room.join_url)


def staff_access_code(*, booking: Booking) -> AccessCode | str | None:
    """The access code as the office's counsellor reads it out after calling the person
    back: "consent" while the person has not agreed to revised terms (K6の2(2)); None when
    the booking is closed, the person is suspended there, or no room is made yet."""
    if booking.status != Booking.Status.CONFIRMED or booking.slot.ends_at <= timezone.now():
        return None
    if is_suspended_at(booking.user, booking.slot.office_id):
        return None
    room = booking.rooms.valid().first()
    if room is None:
        return None
    if missing_consents(booking.user, booking.slot.office, booking.slot):
        return "consent"
    return AccessCode(room.meeting_id, crypto.decrypt(room.passcode_encrypted), room.join_url)
