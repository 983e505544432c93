"""The records of bookings, by subject; every model is importable from `bookings.models`."""

from .bookings import Booking, BookingEvent
from .offices import (
    Counsellor,
    IssuedAccount,
    Office,
    OfficeArea,
    OfficeClosure,
    StaffMembership,
)
from .people import ContinuingSupport, NoShowLift, Suspension
from .rooms import Room, RoomQuerySet
from .slots import SessionKind, Slot, SlotTemplate

__all__ = [
    "Booking",
    "BookingEvent",
    "ContinuingSupport",
    "Counsellor",
    "IssuedAccount",
    "NoShowLift",
    "Office",
    "OfficeArea",
    "OfficeClosure",
    "Room",
    "RoomQuerySet",
    "SessionKind",
    "Slot",
    "SlotTemplate",
    "StaffMembership",
    "Suspension",
]
