"""The citizen-side pages of bookings, by subject (parse, call a service or selector,
render)."""

from .bookings import (
    book,
    booking_calendar,
    booking_cancel,
    booking_change,
    booking_detail,
    booking_join,
)
from .feeds import counsellor_feed
from .my_page import my_data, my_page
from .offices import home, office_detail
from .policies import accessibility, office_privacy, privacy
from .terms import consent, office_terms, terms_diff, terms_version
from .waiting import waiting_join, waiting_leave, waiting_offer

__all__ = [
    "accessibility",
    "book",
    "booking_calendar",
    "booking_cancel",
    "booking_change",
    "booking_detail",
    "booking_join",
    "consent",
    "counsellor_feed",
    "home",
    "my_data",
    "my_page",
    "office_detail",
    "office_privacy",
    "office_terms",
    "privacy",
    "terms_diff",
    "terms_version",
    "waiting_join",
    "waiting_leave",
    "waiting_offer",
]
