"""In a browser: the Tomakomai counsellor records an absence (不在) for a whole day that
catches one booking; the day view's alert lists it, the list of bookings to move opens
from there, and the one action moves it to a colleague free at the same time. axe finds
nothing on any page visited."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from accounts.models import Message
from bookings.demo.data import DEMO_PASSWORD, DEMO_TOTP_SECRET
from bookings.models import Absence, Booking, Counsellor, Office, Slot
from tests.factories import make_confirmed_booking, make_counsellor, make_eligible, make_slot
from tests.support.browser import assert_accessible, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY_URL = "/admin/bookings/booking/day/"


def japanese(msgid: str) -> str:
    with translation.override("ja"):
        return translation.gettext(msgid)


def test_a_counsellor_records_an_absence_and_moves_the_booking_it_catches(page, make_user):
    call_command("seed_demo")
    tomakomai = Office.objects.get(slug="tomakomai")
    counsellor = Counsellor.objects.get(user__email="counsellor.tomakomai@example.jp")
    colleague = make_counsellor(tomakomai)
    # A day after tomorrow with slots the demo published for the counsellor.
    after_tomorrow = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() + dt.timedelta(days=2), dt.time.min)
    )
    first_free = (
        Slot.objects.filter(counsellor=counsellor, starts_at__gte=after_tomorrow)
        .order_by("starts_at")
        .first()
    )
    assert first_free is not None
    away = timezone.localtime(first_free.starts_at).date()
    # 16:30, a time of no weekly template: nothing the demo published is there.
    at = timezone.make_aware(dt.datetime.combine(away, dt.time(16, 30)))
    person = make_eligible(make_user("absence@example.jp"), tomakomai)
    booking = make_confirmed_booking(
        make_slot(tomakomai, counsellor, at), person, full_name="木村 一郎"
    )
    free_colleague = make_slot(tomakomai, colleague, at)
    own_free = list(
        Slot.objects.filter(
            counsellor=counsellor, starts_at__date=away, cancelled_at__isnull=True
        ).exclude(pk=booking.slot_id)
    )

    sign_in_staff(page, counsellor.user.email, DEMO_PASSWORD, DEMO_TOTP_SECRET)
    assert page.url.split("?")[0].endswith(DAY_URL)
    assert_accessible(page)

    # The counsellor records a whole day away (themself is chosen already).
    page.goto("/admin/bookings/absence/add/")
    assert_accessible(page)
    page.get_by_label(japanese("first day")).fill(away.isoformat())
    page.get_by_label(japanese("reason (internal)")).fill("研修")
    with page.expect_navigation():
        page.locator("input[name=_save]").click()
    absence = Absence.objects.get()
    assert absence.counsellor == counsellor and absence.recorded_by == counsellor.user
    assert own_free and all(Slot.objects.get(pk=s.pk).cancelled_at for s in own_free)
    assert "1件" in page.locator(".messagelist").inner_text()
    assert_accessible(page)

    # The day view's alert names the booking and links to the list of bookings to move.
    page.goto(DAY_URL)
    alerts = page.locator(".day-alerts")
    assert "木村 一郎" in alerts.inner_text()
    assert_accessible(page)
    with page.expect_navigation():
        alerts.get_by_role("link", name=japanese("Bookings to move")).click()
    assert "to_move=yes" in page.url
    assert page.locator("#result_list tbody tr").count() == 1
    assert_accessible(page)

    # The one action moves it to the colleague free at the same time.
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option("move_out_of_absence")
    with page.expect_navigation():
        page.locator("button[name=index]").first.click()
    booking.refresh_from_db()
    assert booking.slot_id == free_colleague.pk and booking.status == Booking.Status.CONFIRMED
    assert Message.objects.filter(user=person, kind=Message.Kind.BOOKING_MOVED).count() == 1
    assert page.locator(".messagelist").count() == 1
    assert_accessible(page)

    page.goto(DAY_URL)
    assert (
        page.locator(".day-alerts").count() == 0
        or "木村 一郎" not in page.locator(".day-alerts").inner_text()
    )
    assert_accessible(page)


def test_a_manager_publishes_a_month_for_every_counsellor_after_a_dry_run(page):
    call_command("seed_demo")
    tomakomai = Office.objects.get(slug="tomakomai")
    first = timezone.localdate() + dt.timedelta(weeks=tomakomai.weeks_open + 1)
    last = first + dt.timedelta(days=27)
    manager = "manager.tomakomai@example.jp"
    sign_in_staff(page, manager, DEMO_PASSWORD, DEMO_TOTP_SECRET)
    page.goto("/admin/bookings/office/")
    assert_accessible(page)
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option("publish_slots")
    with page.expect_navigation():
        page.locator("button[name=index]").first.click()
    assert_accessible(page)
    page.get_by_label(japanese("first day")).fill(first.isoformat())
    page.get_by_label(japanese("last day")).fill(last.isoformat())
    before = Slot.objects.filter(office=tomakomai).count()
    with page.expect_navigation():
        page.get_by_role("button", name=japanese("Show what will be created")).click()
    assert japanese("Dry run: nothing has been created yet") in page.content()
    assert Slot.objects.filter(office=tomakomai).count() == before
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name=japanese("Publish these slots")).click()
    assert Slot.objects.filter(office=tomakomai).count() > before
    assert_accessible(page)
