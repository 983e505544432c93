"""The audit trail: every state change of a booking is logged with who, when and why."""

from accounts.models import User

from ..models import Booking, BookingEvent


def log_event(
    *, booking: Booking, action: BookingEvent.Action, actor: User | None = None, note: str = ""
) -> BookingEvent:
    return BookingEvent.objects.create(booking=booking, action=action, actor=actor, note=note)
