"""Non-trivial reads of bookings, by subject: what pages, the admin and jobs show."""

from .access_codes import AccessCode, access_code_for, staff_access_code
from .consent import missing_consents
from .eligibility import Refusal, booking_counts, refusals
from .my_page import agreed_terms_by_office, bookings_of, my_page_lists
from .requests import answer_by, overdue_requests
from .restrictions import counted_no_show, restricted_users
from .slots import free_slots, open_weeks, parse_week, slots_by_day, week_of_free_slots

__all__ = [
    "AccessCode",
    "Refusal",
    "access_code_for",
    "agreed_terms_by_office",
    "answer_by",
    "booking_counts",
    "bookings_of",
    "counted_no_show",
    "free_slots",
    "missing_consents",
    "my_page_lists",
    "open_weeks",
    "overdue_requests",
    "parse_week",
    "refusals",
    "restricted_users",
    "slots_by_day",
    "staff_access_code",
    "week_of_free_slots",
]
