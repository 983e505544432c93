"""The records of bookings, by subject; every model is importable from `bookings.models`."""

from .absences import Absence
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
from .rooms import Room, RoomQuerySet, SessionRoom
from .slots import SessionKind, Slot, SlotTemplate
from .waiting import WaitingEntry

__all__ = [
    "Absence",
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
    "SessionRoom",
    "Slot",
    "SlotTemplate",
    "StaffMembership",
    "Suspension",
    "WaitingEntry",
]
