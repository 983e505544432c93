"""In a browser: the Tomakomai counsellor's day. It opens with today's three
consultations; one is started, one marked as "the person phoned", one passes the
10-minute rule and shows as a no-show after the sweep; a request is confirmed from the
waiting list and the person's access code arrives in their mailbox. axe finds nothing on
any page visited."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation

from accounts.models import Message
from bookings import services
from bookings.demo.data import DEMO_PASSWORD, DEMO_TOTP_SECRET
from bookings.models import Booking, Counsellor, Office
from tests.factories import make_confirmed_booking, make_eligible, make_slot_among_demo
from tests.support.browser import assert_accessible, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY_URL = "/admin/bookings/booking/day/"


def japanese(msgid: str) -> str:
    with translation.override("ja"):
        return translation.gettext(msgid)


def the_days_starts() -> tuple[dt.datetime, dt.datetime]:
    """The first of today's three back-to-back 30-minute consultations (all three today,
    the first already begun unless the day has just started), and the start of the waiting
    request: in the future, after the three (later today, or tomorrow late at night)."""
    now = timezone.localtime().replace(second=0, microsecond=0)
    midnight = now.replace(hour=0, minute=0)
    soon = now + dt.timedelta(minutes=(10 - now.minute % 10) % 10)
    first = min(soon - dt.timedelta(minutes=60), midnight + dt.timedelta(hours=22))
    first = max(first, midnight)
    request = max(soon + dt.timedelta(minutes=30), first + dt.timedelta(minutes=90))
    return first, request


def row(page, name: str):
    return page.locator("tbody tr", has_text=name)


def mark(page, name: str, do: str) -> None:
    with page.expect_navigation():
        row(page, name).locator("form", has=page.locator(f"input[value={do}]")).locator(
            "button"
        ).click()


def test_the_tomakomai_counsellor_works_the_day(page, make_user):
    call_command("seed_demo")
    tomakomai = Office.objects.get(slug="tomakomai")
    counsellor = Counsellor.objects.get(user__email="counsellor.tomakomai@example.jp")
    first, request_start = the_days_starts()
    people = [make_eligible(make_user(f"day{n}@example.jp"), tomakomai) for n in range(4)]
    absent = make_confirmed_booking(
        make_slot_among_demo(tomakomai, counsellor, first), people[0], full_name="青木 一郎"
    )
    started = make_confirmed_booking(
        make_slot_among_demo(tomakomai, counsellor, first + dt.timedelta(minutes=30)),
        people[1],
        full_name="加藤 花子",
    )
    phoned = make_confirmed_booking(
        make_slot_among_demo(tomakomai, counsellor, first + dt.timedelta(minutes=60)),
        people[2],
        full_name="佐藤 三郎",
    )
    requested = make_confirmed_booking(
        make_slot_among_demo(tomakomai, counsellor, request_start),
        people[3],
        status=Booking.Status.REQUESTED,
        full_name="後藤 次郎",
    )

    # The day opens with today's three consultations and the waiting request.
    sign_in_staff(page, counsellor.user.email, DEMO_PASSWORD, DEMO_TOTP_SECRET)
    assert page.url.split("?")[0].endswith(DAY_URL)
    assert_accessible(page)
    for name in ("青木 一郎", "加藤 花子", "佐藤 三郎"):
        assert row(page, name).count() == 1, name
    assert page.locator("tr", has_text="後藤 次郎").count() >= 1

    # One is started, one marked "the person phoned".
    assert japanese("The person phoned") == "利用者から電話あり"
    mark(page, "加藤 花子", "started")
    assert Booking.objects.get(pk=started.pk).started_at is not None
    assert japanese("started") in row(page, "加藤 花子").inner_text()
    assert_accessible(page)
    mark(page, "佐藤 三郎", "contacted")
    assert Booking.objects.get(pk=phoned.pk).contacted_at is not None
    assert japanese("phoned") in row(page, "佐藤 三郎").inner_text()
    assert_accessible(page)

    # The third passes the 10-minute rule: the sweep cancels it as a no-show, and only it.
    sweep_at = absent.slot.starts_at + dt.timedelta(minutes=settings.NO_SHOW_AFTER_MINUTES + 1)
    assert services.sweep_no_shows(now=sweep_at) == 1
    assert Booking.objects.get(pk=absent.pk).status == Booking.Status.NO_SHOW
    assert Booking.objects.get(pk=started.pk).status == Booking.Status.CONFIRMED
    assert Booking.objects.get(pk=phoned.pk).status == Booking.Status.CONFIRMED
    page.reload()
    assert "無断キャンセル（開始10分経過）" in row(page, "青木 一郎").inner_text()
    assert row(page, "青木 一郎").get_by_role("button", name=japanese("Undo the no-show")).count()
    assert "無断キャンセル" not in row(page, "加藤 花子").inner_text()
    assert_accessible(page)

    # A request is confirmed from the waiting list; the room job sends the access code.
    with page.expect_navigation():
        page.locator("tr", has_text="後藤 次郎").locator(
            "form", has=page.locator("input[value=confirm]")
        ).locator("button").click()
    assert Booking.objects.get(pk=requested.pk).status == Booking.Status.CONFIRMED
    assert_accessible(page)
    assert services.issue_room(booking_id=requested.pk) is not None
    mailbox = Message.objects.filter(user=people[3], kind=Message.Kind.ACCESS_CODE)
    assert mailbox.count() == 1
    assert not Message.objects.filter(user=people[0], kind=Message.Kind.ACCESS_CODE).exists()
    if timezone.localtime(request_start).date() == timezone.localdate():
        page.reload()
        assert row(page, "後藤 次郎").get_by_role("link", name="アクセスコードを表示…").count() == 1
        assert_accessible(page)
