"""The staff admin of bookings, by subject. Importing the modules registers them; then the
office wall (`scoping`) is put in front of every registered ModelAdmin, the other apps'
included (bookings is the last app, so its admin module is imported last)."""

from django.contrib import admin

from portal.admin_tools import make_admin_site_safe

from . import bookings, counsellors, day, issued_accounts, offices, slots, staff, support, waiting
from .bookings import BookingAdmin, BookingEventInline, RoomInline
from .scoping import OfficeWallMixin, wall_admin_site

make_admin_site_safe(admin.site)
wall_admin_site(admin.site)
admin.site.start_page = day.start_page  # type: ignore[attr-defined]

__all__ = [
    "BookingAdmin",
    "BookingEventInline",
    "OfficeWallMixin",
    "RoomInline",
    "bookings",
    "counsellors",
    "issued_accounts",
    "offices",
    "slots",
    "staff",
    "support",
    "waiting",
]
