"""When a person may change the date and time of their own booking (予約の変更), and the
free times they may change it to: one home for the rule, which the booking page (to offer
the link), the change page and the move service ask."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import calendar
from ..errors import BookingError
from ..models import Booking, SessionKind, Slot
from .absences import away
from .support import support_of
from .suspensions import is_suspended_at


def moves_left(booking: Booking) -> int:
    """How many more times the person may move this booking (the office's `move_limit`)."""
    return max(booking.slot.office.move_limit - booking.times_moved, 0)


def is_away(booking: Booking) -> bool:
    """The booking's slot lies inside its counsellor's absence or a closure of the office:
    the office asked the person to choose another time, whatever its limit of changes."""
    return away(Booking.objects.filter(pk=booking.pk), prefix="slot__").exists()


def move_refusal(booking: Booking, now: dt.datetime | None = None) -> BookingError | None:
    """Why the person may not move this booking now (None: they may). An open individual
        consultation (a request moves as a request) moves while its booking has not closed (the
        office's cut-off), as often as the office allows (always when the office asked: its time
    falls inside an absence or a closure), unless the person is suspended there."""
    now = now or timezone.now()
    office = booking.slot.office
    if not booking.is_active:
        return BookingError(_("This booking is no longer open."), "state")
    if booking.is_immediate or booking.slot.kind != SessionKind.CONSULTATION:
        return BookingError(
            _("The time of this consultation cannot be changed here. Please phone the office."),
            "kind",
        )
    if now >= calendar.booking_deadline(office, booking.slot.starts_at):
        return BookingError(
            _(
                "Bookings close before the day of the consultation: its time can no longer "
                "be changed here. Please phone the office."
            ),
            "closed",
        )
    if moves_left(booking) <= 0 and not is_away(booking):
        return BookingError(
            _(
                "This booking has been changed as often as the office allows. Please phone "
                "the office, or cancel it and book again."
            ),
            "move_limit",
        )
    if is_suspended_at(booking.user, office.pk):
        return BookingError(
            _("Your use of online consultations at this office is suspended."), "suspended"
        )
    return None


def move_counsellor_id(booking: Booking) -> int | None:
    """Whose free times the person may move to: their own counsellor's where the office
    assigned one (continuing support), otherwise any counsellor's (None)."""
    support = support_of(booking.user, booking.slot.office)
    return support.counsellor_id if support is not None else None


def target_refusal(
    booking: Booking, slot: Slot, now: dt.datetime | None = None
) -> BookingError | None:
    """Why the person may not move `booking` to `slot` (None: they may, seats and overlap
    aside, which the service checks under its locks)."""
    now = now or timezone.now()
    office = booking.slot.office
    if slot.pk == booking.slot_id:
        return BookingError(_("Choose a time other than the one you have booked."), "same")
    if slot.office_id != office.pk:
        return BookingError(_("This slot does not belong to this office."), "other_office")
    if slot.cancelled_at is not None:
        return BookingError(_("This slot has been cancelled. Please choose another."), "cancelled")
    if slot.kind != booking.slot.kind:
        return BookingError(_("Choose another individual consultation time."), "kind")
    if now >= calendar.booking_deadline(office, slot.starts_at):
        return BookingError(
            _("Booking for this slot has closed (bookings close before the day of the slot)."),
            "closed",
        )
    counsellor_id = move_counsellor_id(booking)
    if counsellor_id is not None and slot.counsellor_id != counsellor_id:
        return BookingError(
            _("This office books you with your counsellor: please choose one of their times."),
            "own_counsellor",
        )
    return None
