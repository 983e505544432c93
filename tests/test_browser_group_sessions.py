"""In a browser, with a real worker: two people book the same seminar of Itami's demo
(weekly, 5 seats, 60 minutes, a Jitsi room, only the services terms to agree to, no
job-seeker number needed) from the office's list of sessions, and both see the same
meeting ID on their booking page. Every page is axe clean."""

import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Profile
from bookings.models import Booking, SessionKind, SessionRoom, Slot
from tests.support.browser import assert_accessible
from tests.support.worker import celery_worker

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "correct-horse-9"
SESSIONS = "section[aria-labelledby='sessions-heading']"


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード（必須）", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("link", name="ログアウト").wait_for()


def seminar_person(make_user, email):
    """A person with a complete profile and no job-seeker number, who never agreed to
    any of Itami's terms."""
    person = make_user(email)
    Profile.objects.update_or_create(
        user=person,
        defaults={
            "family_name": "山田",
            "given_name": "花子",
            "family_name_kana": "ヤマダ",
            "given_name_kana": "ハナコ",
            "phone": "090-1234-5678",
            "environment_confirmed_at": timezone.now(),
        },
    )
    return person


def book_the_seminar(page, href: str) -> str:
    """From the office's list of sessions: book, agree in the form, wait on the booking
    page for the access code; return the meeting ID shown."""
    page.goto("/offices/itami/")
    assert_accessible(page)
    page.locator(f"{SESSIONS} a[href='{href}']").click()
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    boxes = page.locator("main form input[type=checkbox][name^=agree_]")
    assert boxes.count() == 1  # the online services terms only, not the consultation terms
    boxes.first.check()
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/me/bookings/\d+/$"))
    code = page.locator(".access-code [id^=meeting-id-]").first
    for _attempt in range(30):  # the part polls until the worker has made the room
        if code.count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    assert code.count(), "no access code on the booking page"
    assert_accessible(page)
    return re.sub(r"\s", "", code.text_content() or "")  # shown in groups


def test_two_people_book_the_same_seminar_and_see_the_same_meeting_id(
    page, chromium, live_server, make_user
):
    call_command("seed_demo")
    for n in (1, 2):
        seminar_person(make_user, f"seminar{n}@example.jp")
    # The second seminar listed: the first one may close for booking tonight.
    page.goto("/offices/itami/")
    hrefs = page.locator(f"{SESSIONS} a[href^='/offices/itami/book/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    seminar_ids = set(
        Slot.objects.filter(office__slug="itami", kind=SessionKind.SEMINAR).values_list(
            "pk", flat=True
        )
    )
    seminars = [h for h in hrefs if int(h.rstrip("/").rsplit("/", 1)[1]) in seminar_ids]
    assert len(seminars) >= 2
    href = seminars[1]

    other = chromium.new_context(
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport={"width": 390, "height": 844},
        base_url=live_server.url,
    )
    other.set_default_timeout(15_000)
    second_page = other.new_page()
    try:
        with celery_worker():
            sign_in(page, "seminar1@example.jp")
            first_code = book_the_seminar(page, href)
            sign_in(second_page, "seminar2@example.jp")
            second_code = book_the_seminar(second_page, href)
    finally:
        other.close()
    session_room = SessionRoom.objects.get()
    assert first_code == second_code == session_room.meeting_id
    assert session_room.provider == "jitsi"
    bookings = Booking.objects.filter(slot=session_room.slot)
    assert {b.status for b in bookings} == {Booking.Status.CONFIRMED}  # at once, no request
    assert {b.job_seeker_number for b in bookings} == {""}
