"""In a browser: the Tomakomai counsellor works a morning from their day — today's
consultations, a request confirmed, one started, the access code read out after calling
back — and never sees another office's person; axe finds nothing on the admin pages,
WCAG 2.2 target sizes of the list filters included."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import StaffAccess
from bookings import services
from bookings.demo.data import DEMO_PASSWORD, DEMO_TOTP_SECRET
from bookings.models import Booking, Counsellor, Office
from tests.factories import make_confirmed_booking, make_eligible, make_slot_among_demo
from tests.support.browser import assert_accessible, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def later_today(minutes: int) -> dt.datetime:
    """A slot start later today (Japan time), on a 10-minute boundary."""
    now = timezone.localtime()
    start = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=minutes)
    return start - dt.timedelta(minutes=start.minute % 10)


def test_a_counsellor_works_a_morning_and_sees_only_their_office(page, make_user):
    call_command("seed_demo")
    tomakomai, itami = Office.objects.get(slug="tomakomai"), Office.objects.get(slug="itami")
    counsellor = Counsellor.objects.get(user__email="counsellor.tomakomai@example.jp")
    first = later_today(20)
    if first.date() != timezone.localdate() or first.hour >= 23:
        # Late in the evening: a consultation that has just started (still today, running).
        first = later_today(0)
    people = [make_eligible(make_user(f"p{n}@example.jp"), tomakomai) for n in range(3)]
    started = make_confirmed_booking(
        make_slot_among_demo(tomakomai, counsellor, first),
        people[0],
        full_name="青木 一郎",
        full_name_kana="アオキ イチロウ",
    )
    services.issue_room(booking_id=started.pk)
    requested = make_confirmed_booking(
        make_slot_among_demo(tomakomai, counsellor, first + dt.timedelta(days=2)),
        people[1],
        status=Booking.Status.REQUESTED,
        full_name="後藤 次郎",
    )
    stranger = make_eligible(make_user("stranger@example.jp"), itami)
    make_confirmed_booking(
        make_slot_among_demo(itami, Counsellor.objects.get(office=itami), first),
        stranger,
        full_name="他所 太郎",
        phone="090-9999-0002",
    )

    sign_in_staff(page, counsellor.user.email, DEMO_PASSWORD, DEMO_TOTP_SECRET)
    assert page.url.split("?")[0].endswith("/admin/bookings/booking/day/")
    assert_accessible(page)
    html = page.content()
    assert "青木 一郎" in html and "アオキ イチロウ" in html and "後藤 次郎" in html
    assert "他所 太郎" not in html and "090-9999-0002" not in html

    # The request waiting for an answer is confirmed from the day.
    waiting = page.locator("tr", has_text="後藤 次郎")
    with page.expect_navigation():
        waiting.locator("button[type=submit]").first.click()
    assert Booking.objects.get(pk=requested.pk).status == Booking.Status.CONFIRMED
    assert_accessible(page)

    # The consultation about to start: the counsellor marks it started.
    row = page.locator("tbody tr", has_text="青木 一郎")
    with page.expect_navigation():
        row.locator("form", has=page.locator("input[value=started]")).locator("button").click()
    assert Booking.objects.get(pk=started.pk).started_at is not None

    # After calling back, the access code is read out: shown behind "show", recorded.
    with page.expect_navigation():
        page.locator("tbody tr", has_text="青木 一郎").get_by_role(
            "link", name="アクセスコードを表示…"
        ).click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="アクセスコードを表示する").click()
    room = started.rooms.get()
    assert room.meeting_id in page.content()
    assert StaffAccess.objects.filter(staff=counsellor.user, what="access_code").exists()
    assert_accessible(page)

    # The booking list with its filters: only Tomakomai's people, and accessible.
    page.goto("/admin/bookings/booking/")
    assert "他所 太郎" not in page.content()
    assert "青木 一郎" in page.content()
    assert_accessible(page)
