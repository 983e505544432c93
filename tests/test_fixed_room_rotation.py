"""A counsellor's fixed room (e.g. Tele Office) cannot be revoked for one person: after a
cancellation the counsellor is asked to change its passcode, and the new code reaches the
counsellor's other open bookings through the room job."""

import pytest
import time_machine

from accounts.models import Message
from bookings import services
from bookings.models import Booking
from portal import crypto
from tests.factories import (
    jst,
    make_confirmed_booking,
    make_counsellor,
    make_office_with_terms,
    make_slot,
)
from tests.support.staff import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def fixed_room(make_user):
    with time_machine.travel(jst(2026, 11, 24, 9, 0), tick=False):
        office = make_office_with_terms(slug="itami", meeting_provider="fixed")
        counsellor = make_counsellor(office)
        counsellor.fixed_meeting_id = "700001111"
        counsellor.fixed_join_url = "https://teleoffice.example.jp/room/itami"
        counsellor.fixed_passcode_encrypted = crypto.encrypt("480001")
        counsellor.save()
        bookings = []
        for hour, email in ((10, "alice@example.jp"), (11, "bob@example.jp")):
            slot = make_slot(office, counsellor, jst(2026, 11, 25, hour, 0))
            booking = make_confirmed_booking(slot, make_user(email))
            services.issue_room(booking_id=booking.pk)
            bookings.append(booking)
        yield counsellor, bookings


def test_a_cancellation_asks_the_counsellor_to_change_the_fixed_passcode(fixed_room, client):
    counsellor, (alice_booking, _bob_booking) = fixed_room
    with time_machine.travel(jst(2026, 11, 24, 9, 30), tick=False):
        services.cancel_booking(booking=alice_booking, actor=alice_booking.user)
        counsellor.refresh_from_db()
        assert counsellor.fixed_room_exposed_at == jst(2026, 11, 24, 9, 30)
        sign_in_staff(client, counsellor.user)
        client.cookies["django_language"] = "en"
        html = client.get(f"/admin/bookings/counsellor/{counsellor.pk}/change/").content.decode()
    assert "Change your fixed room&#x27;s passcode" in html


def test_the_new_passcode_reaches_the_other_open_bookings(
    fixed_room, django_capture_on_commit_callbacks
):
    counsellor, (alice_booking, bob_booking) = fixed_room
    with time_machine.travel(jst(2026, 11, 24, 9, 30), tick=False):
        services.cancel_booking(booking=alice_booking, actor=alice_booking.user)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            resent = services.set_fixed_passcode(counsellor=counsellor, passcode="592001")
        assert resent == 1
        # The room job the rotation enqueued, run as the worker would.
        services.issue_room(booking_id=bob_booking.pk)
    assert callbacks  # the jobs were enqueued after commit
    counsellor.refresh_from_db()
    assert counsellor.fixed_room_exposed_at is None
    room = bob_booking.rooms.valid().get()
    assert crypto.decrypt(room.passcode_encrypted) == "592001"
    assert bob_booking.rooms.count() == 2  # the old one is invalidated, not deleted
    assert Message.objects.filter(user=bob_booking.user, kind=Message.Kind.ACCESS_CODE).count() == 2
    # The cancelled booking gets nothing new.
    assert alice_booking.rooms.valid().count() == 0
    assert Booking.objects.get(pk=alice_booking.pk).status == Booking.Status.CANCELLED
