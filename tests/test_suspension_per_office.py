"""Suspension is one office's measure (T9, I8(2)): it applies at that office, ends the
person's sessions at once, and only a national administrator suspends everywhere."""

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.core.exceptions import PermissionDenied
from django.test import Client

from accounts.messages import render_message
from accounts.models import Message
from bookings import selectors, services
from bookings.errors import BookingError
from bookings.models import Booking, Suspension
from tests.factories import (
    book,
    jst,
    make_confirmed_booking,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
    make_staff,
)
from tests.support.staff import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(jst(2026, 11, 24, 9, 0), tick=False):
        yield


@pytest.fixture
def two_offices(make_user):
    tachikawa = make_office_with_terms(slug="tachikawa", municipality_codes=["13202"])
    itami = make_office_with_terms(slug="itami", municipality_codes=["13202"])
    person = make_user("alice@example.jp")
    for office in (tachikawa, itami):
        make_eligible(person, office)
    return tachikawa, itami, person


def test_suspended_at_one_office_the_person_still_books_at_another(two_offices):
    tachikawa, itami, person = two_offices
    counsellor_t, counsellor_i = make_counsellor(tachikawa), make_counsellor(itami)
    open_at_t = book(tachikawa, person, make_slot(tachikawa, counsellor_t, jst(2026, 11, 26, 10)))
    services.suspend_person(
        user=person, office=tachikawa, actor=counsellor_t.user, reason="禁止事項に該当"
    )

    open_at_t.refresh_from_db()
    assert open_at_t.status == Booking.Status.CANCELLED
    with pytest.raises(BookingError) as refused:
        book(tachikawa, person, make_slot(tachikawa, counsellor_t, jst(2026, 11, 27, 10)))
    assert refused.value.code == "suspended"
    # Itami is not affected.
    booked = book(itami, person, make_slot(itami, counsellor_i, jst(2026, 11, 27, 11)))
    assert booked.status in Booking.ACTIVE
    assert "suspended" not in {r.code for r in selectors.refusals(person, itami)}


def test_a_suspended_person_sees_no_access_code_and_cannot_be_started_there(two_offices):
    tachikawa, _itami, person = two_offices
    counsellor = make_counsellor(tachikawa)
    slot = make_slot(tachikawa, counsellor, jst(2026, 11, 24, 9, 30))
    booking = make_confirmed_booking(slot, person)
    services.issue_room(booking_id=booking.pk)
    services.suspend_person(user=person, office=tachikawa, actor=counsellor.user, reason="理由")
    booking.refresh_from_db()
    assert selectors.access_code_for(booking=booking, user=person) is None
    with pytest.raises(BookingError) as refused:
        services.start_immediate_consultation(counsellor=counsellor, user=person)
    assert refused.value.code == "suspended"


def test_suspension_ends_the_persons_signed_in_sessions_at_once(two_offices):
    tachikawa, _itami, person = two_offices
    counsellor = make_counsellor(tachikawa)
    browser = Client()
    assert (
        browser.post(
            "/accounts/login/", {"login": person.email, "password": "correct-horse-9"}
        ).status_code
        == 302
    )
    assert browser.get("/me/").status_code == 200
    assert UserSession.objects.filter(user=person).exists()

    with django_capture_on_commit():
        services.suspend_person(user=person, office=tachikawa, actor=counsellor.user, reason="理由")

    response = browser.get("/me/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def django_capture_on_commit():
    """Run on-commit callbacks of the block as the committed transaction would."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_my_page_says_where_the_person_is_suspended_and_whom_to_phone(client, two_offices):
    tachikawa, itami, person = two_offices
    counsellor = make_counsellor(tachikawa)
    services.suspend_person(user=person, office=tachikawa, actor=counsellor.user, reason="理由")
    client.force_login(person)
    html = client.get("/me/").content.decode()
    assert f"{tachikawa.name}でのオンライン相談の利用は停止されています" in html
    assert f'href="tel:{tachikawa.phone.as_e164}"' in html
    assert itami.name + "でのオンライン相談の利用は停止" not in html


def test_the_person_is_told_in_their_mailbox_with_the_office(two_offices):
    tachikawa, _itami, person = two_offices
    counsellor = make_counsellor(tachikawa)
    services.suspend_person(user=person, office=tachikawa, actor=counsellor.user, reason="理由")
    message = Message.objects.get(user=person, kind=Message.Kind.SUSPENDED)
    assert message.params["office_id"] == tachikawa.pk
    assert tachikawa.name in render_message(message, "ja").body


def test_staff_of_another_office_cannot_suspend_there(two_offices):
    tachikawa, itami, person = two_offices
    itami_counsellor = make_counsellor(itami)
    with pytest.raises(PermissionDenied):
        services.suspend_person(
            user=person, office=tachikawa, actor=itami_counsellor.user, reason="理由"
        )
    assert not Suspension.objects.exists()


def test_only_a_national_administrator_suspends_everywhere(two_offices, admin_user):
    tachikawa, itami, person = two_offices
    manager = make_staff(tachikawa, "manager")
    with pytest.raises(PermissionDenied):
        services.suspend_person(user=person, office=None, actor=manager, reason="理由")
    services.suspend_person(user=person, office=None, actor=admin_user, reason="理由")
    assert selectors.refusals(person, tachikawa)[0].code == "suspended"
    assert selectors.refusals(person, itami)[0].code == "suspended"


def test_lifting_is_logged_and_needs_a_reason(two_offices):
    tachikawa, _itami, person = two_offices
    manager = make_staff(tachikawa, "manager")
    suspension = services.suspend_person(
        user=person, office=tachikawa, actor=manager, reason="理由"
    )
    with pytest.raises(BookingError):
        services.lift_suspension(suspension=suspension, actor=manager, reason=" ")
    services.lift_suspension(suspension=suspension, actor=manager, reason="確認済み")
    suspension.refresh_from_db()
    assert suspension.lifted_by == manager and suspension.lift_reason == "確認済み"
    person = type(person).objects.get(pk=person.pk)  # a fresh request's user
    assert "suspended" not in {r.code for r in selectors.refusals(person, tachikawa)}


def test_a_counsellor_suspends_from_the_booking_admin_with_a_reason(client, two_offices):
    tachikawa, _itami, person = two_offices
    counsellor = make_counsellor(tachikawa)
    booking = book(tachikawa, person, make_slot(tachikawa, counsellor, jst(2026, 11, 26, 10)))
    sign_in_staff(client, counsellor.user)
    client.post(
        "/admin/bookings/booking/",
        {
            "action": "suspend_person",
            "_selected_action": [booking.pk],
            "confirm": "yes",
            "reason": "禁止事項に該当",
        },
    )
    suspension = Suspension.objects.get(user=person)
    assert suspension.office == tachikawa and suspension.suspended_by == counsellor.user
