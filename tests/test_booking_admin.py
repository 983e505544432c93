"""Counsellors in the admin: their office's consultations, follow-ups, phone cancellations."""

from http import HTTPStatus

import pytest
import time_machine
from django.contrib.auth.models import Permission

from bookings.models import Booking, BookingEvent
from tests.factories import (
    book,
    jst,
    make_counsellor,
    make_eligible,
    make_office,
    make_office_with_terms,
    make_slot,
)
from tests.support.staff import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(jst(2026, 11, 24, 9, 0), tick=False):
        yield


def staff_client(client, counsellor):
    codenames = ["view_booking", "change_booking", "view_slot"]
    counsellor.user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    sign_in_staff(client, counsellor.user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def scene(make_user):
    office = make_office_with_terms(slug="k", municipality_codes=["01213"])
    counsellor = make_counsellor(office)
    alice = make_eligible(make_user("alice@example.jp"), office)
    slot = make_slot(office, counsellor, jst(2026, 11, 26, 10, 0))
    booking = book(
        office,
        alice,
        slot,
        interpreter_attending=True,
        interpreter_note="ポルトガル語の通訳",
    )
    return office, counsellor, alice, booking


def test_this_weeks_consultations_show_name_kana_phone_and_interpreter(client, scene):
    _office, counsellor, _alice, _booking = scene
    html = staff_client(client, counsellor).get("/admin/bookings/booking/?when=week").content
    html = html.decode()
    for text in ("山田 花子", "ヤマダ ハナコ", "090-1234-5678", "ポルトガル語の通訳"):
        assert text in html


def test_a_counsellor_sees_only_their_own_offices_bookings(client, scene, make_user):
    _office, _counsellor, _alice, booking = scene
    other_office = make_office(slug="elsewhere")
    outsider = make_counsellor(other_office)
    client = staff_client(client, outsider)
    assert "山田 花子" not in client.get("/admin/bookings/booking/").content.decode()
    response = client.get(f"/admin/bookings/booking/{booking.pk}/change/")
    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.NOT_FOUND)


def test_cancelling_on_behalf_needs_a_reason_and_is_logged(client, scene):
    _office, counsellor, _alice, booking = scene
    client = staff_client(client, counsellor)
    url = "/admin/bookings/booking/"
    form = client.post(url, {"action": "cancel_on_behalf", "_selected_action": [booking.pk]})
    assert form.status_code == HTTPStatus.OK
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED
    client.post(
        url,
        {
            "action": "cancel_on_behalf",
            "_selected_action": [booking.pk],
            "confirm": "yes",
            "reason": "本人から電話",
        },
    )
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED
    event = BookingEvent.objects.get(booking=booking, action="cancelled_by_staff")
    assert (event.actor, event.note) == (counsellor.user, "本人から電話")


def test_a_follow_up_is_booked_from_the_admin_and_confirmed(client, scene):
    office, counsellor, alice, booking = scene
    later = make_slot(office, counsellor, jst(2026, 12, 3, 10, 0))
    client = staff_client(client, counsellor)
    client.post(
        "/admin/bookings/booking/",
        {
            "action": "book_follow_up",
            "_selected_action": [booking.pk],
            "confirm": "yes",
            "slot": later.pk,
        },
    )
    follow_up = Booking.objects.get(slot=later)
    assert follow_up.user == alice and follow_up.status == Booking.Status.CONFIRMED
    assert follow_up.booked_by == counsellor.user


def test_staff_confirm_a_request(client, scene, make_user):
    office, counsellor, alice, _booking = scene
    office.requires_counsellor_confirmation = True
    office.booking_limit = 5
    office.save()
    slot = make_slot(office, counsellor, jst(2026, 11, 27, 10, 0))
    request = book(office, alice, slot)
    assert request.status == Booking.Status.REQUESTED
    staff_client(client, counsellor).post(
        "/admin/bookings/booking/", {"action": "confirm", "_selected_action": [request.pk]}
    )
    assert Booking.objects.get(pk=request.pk).status == Booking.Status.CONFIRMED
