"""In a browser, at a Tachikawa-like centre (accounts issued by staff, T10(2)): joining the
consultation asks for the consultation ID first; a wrong one is refused, the right one
opens the meeting (an external site, answered here by a stand-in page). The form page is
checked with axe, with and without its error. And an access code still being prepared
appears on the booking's page when its room is made, without a reload (htmx).

Elements are found by id, name, structure and URL; outcomes are checked in the database.
"""

import datetime as dt
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from bookings import services
from bookings.models import BookingEvent, IssuedAccount, Office, Room
from portal import crypto
from tests.factories import book, make_counsellor, make_eligible, make_office_with_terms, make_slot
from tests.support.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ID_FIELD = "main form input[name=consultation_id]"
SUBMIT = "main form button[type=submit]"


def path_of(url: str) -> str:
    return urlparse(url).path


def a_centre_booking_with_its_room(*, room: bool = True):
    office = make_office_with_terms(
        slug="centre",
        kind=Office.Kind.CHILD_FAMILY,
        municipality_codes=["13202"],
        phone="042-527-3234",
        requires_issued_account=True,
        meeting_provider="jitsi",
    )
    letter = services.issue_account(office=office, actor=None)
    person = IssuedAccount.objects.get(office=office).user
    person.must_change_password = False  # chosen at the first sign-in, long ago
    person.save(update_fields=["must_change_password"])
    make_eligible(person, office)
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    slot = make_slot(office, make_counsellor(office), start + dt.timedelta(days=3))
    booking = book(office, person, slot)
    if not room:
        return letter, booking, None
    services.issue_room(booking_id=booking.pk)
    return letter, booking, Room.objects.get(booking=booking)


def sign_in_with_issued_id(page, login_id: str, password: str) -> None:
    page.goto("/accounts/issued/login/")
    page.locator("#id_login_id").fill(login_id)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator(SUBMIT).click()
    assert page.locator("header a[href='/accounts/logout/']").count() == 1


def test_joining_asks_for_the_consultation_id_refuses_a_wrong_one_and_opens_with_the_right(
    page,
):
    letter, booking, room = a_centre_booking_with_its_room()
    assert room.join_url.startswith(settings.JITSI_BASE_URL)
    meetings = []  # where each join sent the browser

    def join_then_stand_in_meeting(route):
        # Playwright routes only the first request of a redirect chain: the join is
        # fetched without following its redirect, and a stand-in answers for the meeting.
        response = route.fetch(max_redirects=0)
        if response.status == 302 and response.headers["location"].startswith("https://"):
            meetings.append(response.headers["location"])
            route.fulfill(status=200, content_type="text/html", body="<title>m</title>meeting")
        else:
            route.fulfill(response=response)

    page.route("**/join/", join_then_stand_in_meeting)
    sign_in_with_issued_id(page, letter.login_id, letter.password)

    booking_path = f"/me/bookings/{booking.pk}/"
    page.goto(booking_path)
    assert "面接・相談ID" in page.locator("main").inner_text()  # the page explains it
    assert letter.consultation_id not in page.content()  # and never shows it
    join = page.locator("a[href$='/join/']")
    with page.expect_navigation():
        join.click()
    assert path_of(page.url) == f"{booking_path}consultation-id/"
    assert meetings == []
    assert_accessible(page)

    # A wrong ID: refused, with the error tied to the field.
    page.locator(ID_FIELD).fill("WRONG-1234")
    with page.expect_navigation():
        page.locator(SUBMIT).click()
    assert path_of(page.url) == f"{booking_path}consultation-id/"
    field = page.locator(ID_FIELD)
    assert field.get_attribute("aria-invalid") == "true"
    assert page.locator("main .errorlist li").count() == 1
    assert meetings == []
    assert_accessible(page)

    # The right ID, typed as people do (small letters, a space): back on the booking's
    # page (a form is never sent on to another site: the CSP's form-action), whose join
    # link now opens the meeting.
    typed = f"{letter.consultation_id[:4]} {letter.consultation_id[4:]}".lower()
    page.locator(ID_FIELD).fill(typed)
    with page.expect_navigation():
        page.locator(SUBMIT).click()
    assert path_of(page.url) == booking_path
    assert page.locator("main .messages .notice--success").count() == 1
    assert_accessible(page)
    with page.expect_navigation():
        page.locator("a[href$='/join/']").click()
    assert meetings == [room.join_url]
    assert page.locator("body").inner_text() == "meeting"

    booking.refresh_from_db()
    assert booking.joined_at is not None
    actions = list(
        BookingEvent.objects.filter(
            booking=booking,
            action__in=[
                BookingEvent.Action.CONSULTATION_ID_REFUSED,
                BookingEvent.Action.CONSULTATION_ID_CHECKED,
            ],
        ).values_list("action", flat=True)
    )
    assert actions == ["consultation_id_refused", "consultation_id_checked"]

    # Remembered for this booking: the next join goes straight to the meeting.
    page.goto(booking_path)
    with page.expect_navigation():
        page.locator("a[href$='/join/']").click()
    assert meetings == [room.join_url] * 2
    checked = BookingEvent.Action.CONSULTATION_ID_CHECKED
    assert BookingEvent.objects.filter(booking=booking, action=checked).count() == 1


def test_the_access_code_being_prepared_appears_without_a_reload(page):
    letter, booking, _room = a_centre_booking_with_its_room(room=False)
    sign_in_with_issued_id(page, letter.login_id, letter.password)
    page.goto(f"/me/bookings/{booking.pk}/")
    section = page.locator("section.access-code")
    assert section.get_attribute("hx-trigger") == "every 5s"
    assert section.locator("code").count() == 0
    assert_accessible(page)
    page.evaluate("window.notReloaded = true")

    services.issue_room(booking_id=booking.pk)  # the worker makes the room meanwhile
    room = Room.objects.get(booking=booking)
    passcode = crypto.decrypt(room.passcode_encrypted)
    expect(page.locator("section.access-code").get_by_text(passcode, exact=True)).to_be_visible(
        timeout=15_000
    )
    assert page.evaluate("window.notReloaded") is True  # htmx replaced the part in place
    assert page.locator("section.access-code").get_attribute("hx-trigger") is None
    assert_accessible(page)
