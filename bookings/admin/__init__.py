"""The staff admin of bookings, by subject. Importing the modules registers them; then the
office wall (`scoping`) is put in front of every registered ModelAdmin, the other apps'
included (bookings is the last app, so its admin module is imported last)."""

from django.contrib import admin

from . import bookings, counsellors, issued_accounts, offices, slots, staff
from .bookings import BookingAdmin, BookingEventInline, RoomInline
from .scoping import OfficeWallMixin, wall_admin_site

wall_admin_site(admin.site)

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
]
