"""The counsellor reads out the access code after calling the person back (K6の2(3)):
behind a deliberate "show", recorded each time, and only at the counsellor's office."""

from http import HTTPStatus

import pytest
import time_machine

from accounts.models import StaffAccess
from bookings import services
from portal import crypto
from tests.factories import (
    jst,
    make_confirmed_booking,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
)
from tests.support.staff import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(make_user):
    with time_machine.travel(jst(2026, 11, 24, 9, 0), tick=False):
        office = make_office_with_terms(slug="k", meeting_provider="jitsi")
        counsellor = make_counsellor(office)
        person = make_eligible(make_user("alice@example.jp"), office)
        booking = make_confirmed_booking(
            make_slot(office, counsellor, jst(2026, 11, 24, 10, 0)), person
        )
        services.issue_room(booking_id=booking.pk)
        yield office, counsellor, booking


def test_the_code_is_shown_only_after_show_and_each_showing_is_recorded(client, booked):
    _office, counsellor, booking = booked
    room = booking.rooms.get()
    passcode = crypto.decrypt(room.passcode_encrypted)
    sign_in_staff(client, counsellor.user)
    url = f"/admin/bookings/booking/{booking.pk}/access-code/"

    page = client.get(url)
    assert page.status_code == HTTPStatus.OK
    assert passcode not in page.content.decode()
    assert not StaffAccess.objects.filter(what="access_code").exists()

    shown = client.post(url)
    assert "no-store" in shown["Cache-Control"]
    html = shown.content.decode()
    assert passcode in html and room.meeting_id in html
    access = StaffAccess.objects.get(what="access_code")
    assert access.staff == counsellor.user and access.subject == booking.user


def test_the_booking_page_links_to_the_code_instead_of_showing_it(client, booked):
    _office, counsellor, booking = booked
    passcode = crypto.decrypt(booking.rooms.get().passcode_encrypted)
    sign_in_staff(client, counsellor.user)
    html = client.get(f"/admin/bookings/booking/{booking.pk}/change/").content.decode()
    assert passcode not in html
    assert f"/admin/bookings/booking/{booking.pk}/access-code/" in html


def test_another_offices_counsellor_gets_404_and_nothing_is_recorded(client, booked):
    _office, _counsellor, booking = booked
    other = make_counsellor(make_office_with_terms(slug="other"))
    sign_in_staff(client, other.user)
    response = client.post(f"/admin/bookings/booking/{booking.pk}/access-code/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not StaffAccess.objects.filter(what="access_code").exists()
