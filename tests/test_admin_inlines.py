"""Records listed under their parent in admin are shown, never edited, added or deleted."""

import pytest
from django.test import RequestFactory

from accounts.admin import AccountEventInline, SignInInline
from bookings.admin import BookingEventInline, RoomInline
from terms.admin import VersionInline


@pytest.mark.parametrize(
    "inline_class",
    [AccountEventInline, SignInInline, BookingEventInline, RoomInline, VersionInline],
)
def test_record_inlines_are_read_only(inline_class):
    from django.contrib.admin.sites import site

    inline = inline_class(inline_class.model, site)
    request = RequestFactory().get("/admin/")
    assert tuple(inline.get_readonly_fields(request)) == tuple(inline.fields)
    assert not inline.has_add_permission(request, None)
    assert inline.can_delete is False and inline.extra == 0
