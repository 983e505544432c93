"""In a browser: a person joins a full seminar's waiting list (by keyboard, no JavaScript
needed), another participant cancels their seat in their own browser, the first finds
the offer in the mailbox, opens it, takes the seat and sees their booking confirmed.
axe-core checks every page on the way.

Elements are found by id, name, structure and URL; outcomes are checked in the database.
"""

import datetime as dt
import re
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from accounts.models import Message
from bookings.models import Booking, Room, SessionKind, SessionRoom, WaitingEntry
from bookings.services import issue_room
from tests.factories import (
    book,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
)
from tests.support.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "waiting-pass-2026"


def path_of(url: str) -> str:
    return urlparse(url).path


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード（必須）", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(lambda url: not path_of(url).startswith("/accounts/login/"))
    assert page.locator("header a[href='/accounts/logout/']").count() == 1


@pytest.fixture
def seminar(make_user):
    """A full seminar of two seats in three days, two participants, and Hanako, who may
    book there too."""
    office = make_office_with_terms(
        slug="itami-waiting",
        municipality_codes=["01213"],
        booking_limit=5,
        meeting_provider="jitsi",
    )
    counsellor = make_counsellor(office)
    starts = timezone.localtime() + dt.timedelta(days=3)
    slot = make_slot(
        office,
        counsellor,
        starts.replace(hour=10, minute=0, second=0, microsecond=0),
        capacity=2,
        minutes=60,
    )
    slot.kind = SessionKind.SESSION
    slot.title, slot.title_en = "就職活動セミナー", "Job-search seminar"
    slot.save()
    participants = [
        make_eligible(make_user(email, password=PASSWORD), office)
        for email in ("taro@example.jp", "jiro@example.jp")
    ]
    for person in participants:
        book(office, person, slot)
    hanako = make_eligible(make_user("hanako@example.jp", password=PASSWORD), office)
    return office, slot, participants, hanako


def test_a_person_waits_for_a_full_seminar_is_offered_a_freed_seat_and_takes_it(
    page, chromium, live_server, seminar
):
    office, slot, (taro, jiro), hanako = seminar
    # The room job, run here as the worker would: the session's one meeting is made for
    # the first participant.
    for booking in Booking.objects.filter(slot=slot, status=Booking.Status.CONFIRMED):
        issue_room(booking_id=booking.pk)
    office_path = f"/offices/{office.slug}/"
    join_action = f"/offices/{office.slug}/waiting/{slot.pk}/join/"

    # Hanako finds the seminar full on the office's page and joins its waiting list by
    # keyboard.
    sign_in(page, hanako.email)
    page.goto(office_path)
    assert page.locator(f"#slots a.slot[href$='/book/{slot.pk}/']").count() == 0
    card = page.locator(f"#waiting-{slot.pk}")
    assert card.count() == 1
    assert_accessible(page)
    join_button = card.locator(f"form[action='{join_action}'] button[type=submit]")
    join_button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert path_of(page.url) == office_path
    entry = WaitingEntry.objects.get(user=hanako, slot=slot)
    assert entry.status == WaitingEntry.Status.WAITING
    assert re.search(r"(?<!\d)1(?!\d)", card.locator(".waiting-position").inner_text())
    assert card.locator(f"form[action='{join_action}']").count() == 0
    assert_accessible(page)

    # My Page shows her place too.
    page.locator("header a[href='/me/']").click()
    page.wait_for_url(lambda url: path_of(url) == "/me/")
    mine = page.locator(f"#my-waiting-{entry.pk}")
    assert re.search(r"(?<!\d)1(?!\d)", mine.locator(".waiting-position").inner_text())
    assert_accessible(page)

    # Taro cancels his seat in his own browser.
    context = chromium.new_context(
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport={"width": 390, "height": 844},
        base_url=live_server.url,
    )
    try:
        other = context.new_page()
        sign_in(other, taro.email)
        booking = Booking.objects.get(user=taro, slot=slot)
        other.goto("/me/")
        assert_accessible(other)
        other.locator(f"main a[href='/me/bookings/{booking.pk}/cancel/']").click()
        other.wait_for_url(lambda url: path_of(url) == f"/me/bookings/{booking.pk}/cancel/")
        assert_accessible(other)
        with other.expect_navigation():
            other.locator("main form button[type=submit]").click()
        assert path_of(other.url) == "/me/"
    finally:
        context.close()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED

    # The seat is offered to Hanako: she finds the offer in her mailbox.
    entry.refresh_from_db()
    assert entry.status == WaitingEntry.Status.OFFERED
    offer = Message.objects.get(user=hanako, kind=Message.Kind.WAITING_OFFER)
    page.goto("/me/messages/")
    link = page.locator(f"main a[href='/me/messages/{offer.pk}/']")
    assert link.count() == 1
    assert_accessible(page)
    link.click()
    page.wait_for_url(lambda url: path_of(url) == f"/me/messages/{offer.pk}/")
    assert "就職活動セミナー" in page.locator("main .message-body").inner_text()
    assert_accessible(page)

    # She opens the offer from the message and takes the seat.
    offer_path = f"/offices/{office.slug}/offers/{entry.pk}/"
    page.locator(f"main a[href='{offer_path}']").click()
    page.wait_for_url(lambda url: path_of(url) == offer_path)
    assert page.locator("main form button[name=answer][value=decline]").count() == 1
    assert_accessible(page)
    with page.expect_navigation():
        page.locator("main form button[name=answer][value=accept]").click()

    mine = Booking.objects.get(user=hanako, slot=slot)
    assert mine.status == Booking.Status.CONFIRMED
    assert path_of(page.url) == f"/me/bookings/{mine.pk}/"
    assert page.locator("main .notice--success, main .messages").count() >= 1
    assert_accessible(page)
    entry.refresh_from_db()
    assert entry.status == WaitingEntry.Status.BOOKED and entry.booking == mine
    assert Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE).count() == 2

    # Her room comes from the same job: the session's one meeting, whose ID her booking
    # page shows, the same as the participant who stayed.
    issue_room(booking_id=mine.pk)
    meeting = SessionRoom.objects.get(slot=slot)
    rooms = Room.objects.filter(booking__slot=slot, booking__status=Booking.Status.CONFIRMED)
    assert {room.meeting_id for room in rooms} == {meeting.meeting_id}
    assert {room.booking.user for room in rooms} == {jiro, hanako}
    page.reload()
    shown = re.sub(r"\s", "", page.locator("main .access-code").inner_text())
    assert re.sub(r"\s", "", meeting.meeting_id) in shown
    assert_accessible(page)
