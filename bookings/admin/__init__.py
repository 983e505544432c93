"""The staff admin of bookings, by subject; importing the modules registers them."""

from . import bookings, counsellors, issued_accounts, offices, slots
from .bookings import BookingAdmin, BookingEventInline, RoomInline
from .scoping import OfficeScopedAdmin, staff_office_ids

__all__ = [
    "BookingAdmin",
    "BookingEventInline",
    "OfficeScopedAdmin",
    "RoomInline",
    "bookings",
    "counsellors",
    "issued_accounts",
    "offices",
    "slots",
    "staff_office_ids",
]
