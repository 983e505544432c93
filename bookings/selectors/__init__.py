"""Non-trivial reads of bookings, by subject: what pages, the admin and jobs show."""

from .access_codes import AccessCode, access_code_for, staff_access_code
from .consent import missing_consents
from .eligibility import (
    Application,
    Refusal,
    booking_counts,
    may_apply_as_registering,
    refusals,
)
from .immediate import immediate_candidates
from .moves import move_counsellor_id, move_refusal, moves_left, target_refusal
from .my_page import agreed_terms_by_office, bookings_of, my_page_lists
from .requests import WaitingRequest, answer_by, is_overdue, overdue_requests, waiting_requests
from .restrictions import counted_no_show, restricted_users
from .sessions import upcoming_sessions
from .slots import free_slots, open_weeks, parse_week, slots_by_day, week_of_free_slots
from .support import assignment_refusal, support_of

__all__ = [
    "AccessCode",
    "Application",
    "Refusal",
    "WaitingRequest",
    "access_code_for",
    "agreed_terms_by_office",
    "answer_by",
    "assignment_refusal",
    "booking_counts",
    "bookings_of",
    "counted_no_show",
    "free_slots",
    "immediate_candidates",
    "is_overdue",
    "may_apply_as_registering",
    "missing_consents",
    "move_counsellor_id",
    "move_refusal",
    "moves_left",
    "my_page_lists",
    "open_weeks",
    "overdue_requests",
    "parse_week",
    "refusals",
    "restricted_users",
    "slots_by_day",
    "staff_access_code",
    "support_of",
    "target_refusal",
    "upcoming_sessions",
    "waiting_requests",
    "week_of_free_slots",
]
