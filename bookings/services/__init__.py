"""Every state change of offices' slots and bookings, by subject. Keyword-only arguments,
one transaction each; the Celery tasks are defined beside the service they wrap."""

from ..errors import BookingError
from .absences import (
    apply_absence,
    apply_closure,
    ask_to_move,
    close_slots_away,
    move_out_of_absences,
    record_absence,
)
from .alerts import alert_overdue_requests
from .applying import Applying, apply_for, applying, create_booking
from .attendance import record, sweep_no_shows, undo_no_show
from .bookings import (
    cancel_booking,
    check_slot_is_bookable,
    confirm_booking,
    decline_booking,
    record_join,
)
from .consent import record_booking_consent, record_office_consent
from .counsellors import revoke_calendar_token, rotate_calendar_token, set_fixed_passcode
from .events import log_event
from .expiry import expire_requests
from .immediate import start_immediate_consultation
from .issuance import Letter, issue_account, reissue_account
from .moves import reschedule_booking
from .reminders import send_reminders
from .restrictions import cancel_bookings_of_suspended, lift_restriction
from .rooms import (
    close_session_rooms,
    delete_room_at_provider,
    invalidate_rooms,
    issue_room,
    sweep_rooms,
)
from .sessions import cancel_session, mark_attendance
from .slots import generate_open_slots, generate_slots, plan_slots, publish_slots
from .staff_bookings import book_follow_up, move_booking
from .support import assign_counsellor, end_support
from .suspensions import lift_suspension, suspend_person
from .waiting import (
    accept_offer,
    close_waiting_list,
    decline_offer,
    join_waiting_list,
    leave_waiting_list,
    offer_free_seats,
    sweep_waiting_lists,
)

__all__ = [
    "Applying",
    "BookingError",
    "Letter",
    "accept_offer",
    "alert_overdue_requests",
    "apply_absence",
    "apply_closure",
    "apply_for",
    "applying",
    "ask_to_move",
    "assign_counsellor",
    "book_follow_up",
    "cancel_booking",
    "cancel_bookings_of_suspended",
    "cancel_session",
    "check_slot_is_bookable",
    "close_session_rooms",
    "close_slots_away",
    "close_waiting_list",
    "confirm_booking",
    "create_booking",
    "decline_booking",
    "decline_offer",
    "delete_room_at_provider",
    "end_support",
    "expire_requests",
    "generate_open_slots",
    "generate_slots",
    "invalidate_rooms",
    "issue_account",
    "issue_room",
    "join_waiting_list",
    "leave_waiting_list",
    "lift_restriction",
    "lift_suspension",
    "log_event",
    "mark_attendance",
    "move_booking",
    "move_out_of_absences",
    "offer_free_seats",
    "plan_slots",
    "publish_slots",
    "record",
    "record_absence",
    "record_booking_consent",
    "record_join",
    "record_office_consent",
    "reissue_account",
    "reschedule_booking",
    "revoke_calendar_token",
    "rotate_calendar_token",
    "send_reminders",
    "set_fixed_passcode",
    "start_immediate_consultation",
    "suspend_person",
    "sweep_no_shows",
    "sweep_rooms",
    "sweep_waiting_lists",
    "undo_no_show",
]
