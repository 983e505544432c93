"""In a browser, with a real worker: book, wait for the access code in the mailbox, open
it, see the meeting ID and passcode, download the calendar file."""

import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Profile
from bookings.models import Room
from portal import crypto
from tests.support.browser import assert_accessible
from tests.support.worker import celery_worker

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


def sign_in(page, email, password="demo-pass-2026"):
    page.goto("/accounts/login/")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード（必須）", exact=True).fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("link", name="ログアウト").wait_for()


def test_book_then_read_the_access_code_in_the_mailbox_and_download_the_ics(page, tmp_path):
    call_command("seed_demo")
    email = "tachikawa.parent@example.jp"
    Profile.objects.filter(user__email=email).update(
        phone="042-000-1234", environment_confirmed_at=timezone.now()
    )
    with celery_worker():
        sign_in(page, email)
        page.goto("/offices/tachikawa/")
        page.locator("a.slot").first.click()
        for box in page.locator("input[name^=agree_]").all():
            box.check()
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/me/bookings/\d+/$"))
        booking_url = page.url

        # The access code arrives in the mailbox once the worker has issued the room.
        for _attempt in range(30):
            page.goto("/me/messages/")
            link = page.locator("a[href^='/me/messages/']", has_text="アクセスコード")
            if link.count():
                break
            page.wait_for_timeout(1000)
        assert link.count() == 1
        assert page.locator(".site-nav .badge").count() == 1  # unread count in the header
        assert_accessible(page)
        link.first.click()

    room = Room.objects.get()
    passcode = crypto.decrypt(room.passcode_encrypted)
    assert page.get_by_text(room.meeting_id).is_visible()
    assert page.get_by_text(passcode).is_visible()
    assert_accessible(page)

    page.goto(booking_url)
    assert page.get_by_text(passcode).is_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.locator("a[href$='calendar.ics']").click()
    path = tmp_path / "booking.ics"
    download.value.save_as(path)
    ics = path.read_text()
    assert "BEGIN:VEVENT" in ics and "DTSTART;TZID=Asia/Tokyo" in ics
    assert passcode not in ics and room.meeting_id not in ics
