"""Restrictions on a person at an office: lifting the no-show restriction, and what a
suspension does to their bookings."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User

from ..errors import BookingError
from ..models import Booking, NoShowLift, Office
from .bookings import cancel_booking


@transaction.atomic
def lift_restriction(*, office: Office, user: User, actor: User | None, reason: str) -> NoShowLift:
    """Earlier no-shows at the office no longer count for the person (with a reason)."""
    if not reason.strip():
        raise BookingError(_("Give a reason for lifting the restriction."), "reason")
    return NoShowLift.objects.create(office=office, user=user, lifted_by=actor, reason=reason)


def cancel_bookings_of_suspended(*, user: User, actor: User | None, reason: str) -> int:
    """Every open booking of a suspended person is cancelled; rooms stop working."""
    count = 0
    for booking in Booking.objects.filter(user=user, status__in=Booking.ACTIVE):
        cancel_booking(booking=booking, actor=actor, reason=reason, on_behalf=True)
        count += 1
    return count
