"""In a browser, with a real worker: a person moves their booking from Thursday 10:00 to
Friday 14:00 on the booking's change page (keyboard only: the time is a radio button, the
form is sent with Enter; sent without a choice, the error summary takes the focus), sees
the new access code arrive in the mailbox, and the old one gone from the booking page.
axe-core checks every page on the way."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings import calendar
from bookings.models import Booking, Room
from portal import crypto
from tests.factories import (
    book,
    jst,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
)
from tests.support.browser import assert_accessible
from tests.support.worker import celery_worker, wait_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]
PASSWORD = "correct-horse-9"  # the conftest's make_user


def next_thursday_and_friday() -> tuple[dt.date, dt.date]:
    """A Thursday and the Friday after it, both weekdays that are no public holiday, in a
    week after this one (their booking is open whatever the day the test runs)."""
    today = timezone.localdate()
    thursday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=1, days=3)
    while calendar.is_public_holiday(thursday) or calendar.is_public_holiday(
        thursday + dt.timedelta(days=1)
    ):
        thursday += dt.timedelta(weeks=1)
    return thursday, thursday + dt.timedelta(days=1)


def at(day: dt.date, hour: int) -> dt.datetime:
    return jst(day.year, day.month, day.day, hour)


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード（必須）", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("link", name="ログアウト").wait_for()


def access_code_links(page):
    page.goto("/me/messages/")
    return page.locator("a[href^='/me/messages/']", has_text="アクセスコード")


def test_a_person_moves_their_booking_from_thursday_to_friday_and_gets_a_new_code(page, make_user):
    office = make_office_with_terms(
        slug="move", municipality_codes=["01213"], meeting_provider="jitsi", weeks_open=4
    )
    counsellor = make_counsellor(office)
    person = make_eligible(make_user("mover@example.jp"), office)
    thursday, friday = next_thursday_and_friday()
    make_slot(office, counsellor, at(thursday, 11))  # another free time that week
    friday_14 = make_slot(office, counsellor, at(friday, 14))
    with celery_worker():
        booking = book(office, person, make_slot(office, counsellor, at(thursday, 10)))
        wait_for(
            lambda: Room.objects.valid().filter(booking=booking).exists(),
            timeout=60,
            what="the first room",
        )
        old_room = Room.objects.valid().get(booking=booking)
        old_passcode = crypto.decrypt(old_room.passcode_encrypted)

        sign_in(page, person.email)
        page.goto(f"/me/bookings/{booking.pk}/")
        assert page.get_by_text(old_passcode).is_visible()
        assert_accessible(page)

        page.locator(f"main a[href='/me/bookings/{booking.pk}/change/']").click()
        page.wait_for_url(f"**/me/bookings/{booking.pk}/change/")
        assert page.locator("main fieldset legend").count() >= 2  # the choice, each day
        assert_accessible(page)
        # Sent without a choice: the error summary takes the focus and links to the choice.
        with page.expect_navigation():
            page.locator("main form button[type=submit]").press("Enter")
        summary = page.locator("main .error-summary[role=alert]")
        assert summary.count() == 1
        assert summary.evaluate("node => node === document.activeElement")
        assert summary.locator("a[href='#new-time']").count() == 1
        assert_accessible(page)
        choice = page.locator(f"#slot-{friday_14.pk}")
        choice.focus()
        page.keyboard.press("Space")
        assert choice.is_checked()
        with page.expect_navigation():
            page.keyboard.press("Enter")  # sends the form from the radio button
        page.wait_for_url(f"**/me/bookings/{booking.pk}/")
        assert page.locator("main .notice--success").count() == 1
        assert_accessible(page)

        booking.refresh_from_db()
        assert booking.slot_id == friday_14.pk and booking.status == Booking.Status.CONFIRMED
        old_room.refresh_from_db()
        assert old_room.invalidated_at is not None

        # The new access code arrives in the mailbox once the worker has made the room.
        wait_for(
            lambda: access_code_links(page).count() == 2, timeout=60, what="the new access code"
        )
        moved = page.locator("a[href^='/me/messages/']", has_text="予約の日時を変更しました")
        assert moved.count() == 1
        assert_accessible(page)
        access_code_links(page).first.click()  # the newest message comes first

    new_room = Room.objects.valid().get(booking=booking)
    new_passcode = crypto.decrypt(new_room.passcode_encrypted)
    assert new_room.pk != old_room.pk and new_passcode != old_passcode
    assert page.get_by_text(new_passcode).is_visible()
    assert_accessible(page)

    page.goto(f"/me/bookings/{booking.pk}/")
    assert page.get_by_text(new_passcode).is_visible()
    content = page.content()
    assert old_passcode not in content and old_room.meeting_id not in content
    assert f"{friday.month}月{friday.day}日" in page.locator("main dl").first.inner_text()
    assert_accessible(page)
