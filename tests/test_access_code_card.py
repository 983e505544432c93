"""The access code card: room names people can read out, a large grouped display, a copy
button that only JavaScript shows, and links in messages."""

import re

import pytest

from accounts.models import Message
from bookings import services
from bookings.meetings import jitsi
from bookings.models import Room
from portal import crypto
from portal.numbers import code_groups
from tests.factories import book, jst, make_eligible, make_office_with_terms, make_slot

ROOM_NAME = re.compile(r"consult-\d{4}-\d{4}-\d{4}-\d{4}")


def test_jitsi_room_names_are_four_groups_of_four_digits_and_do_not_repeat():
    names = {jitsi.new_room_name() for _ in range(2000)}
    assert len(names) == 2000
    assert all(ROOM_NAME.fullmatch(name) for name in names)
    # Every digit appears in every place: the digits are drawn, not patterned.
    for place in (8, 13, 18, 23):
        assert {name[place] for name in names} == set("0123456789")


def test_the_room_names_entropy_is_enough_to_be_unguessable():
    assert 10 ** (jitsi.ROOM_GROUPS * jitsi.GROUP_DIGITS) >= 2**53


@pytest.mark.parametrize(
    ("code", "groups"),
    [
        ("consult-4827-1930-5561-2083", ["consult-", "4827-", "1930-", "5561-", "2083"]),
        ("12345678901", ["123", "4567", "8901"]),
        ("48271930", ["4827", "1930"]),
        ("480001", ["480", "001"]),
        ("700001111", ["700", "001", "111"]),
        ("AbCdEfGhIj", ["AbCd", "EfGh", "Ij"]),
        ("", []),
    ],
)
def test_codes_are_grouped_and_the_groups_give_the_code_back(code, groups):
    assert code_groups(code) == groups
    assert "".join(groups) == code


@pytest.fixture
def booking(make_user, django_capture_on_commit_callbacks):
    office = make_office_with_terms(
        slug="k", municipality_codes=["01213"], meeting_provider="jitsi"
    )
    from tests.factories import make_counsellor

    person = make_eligible(make_user("alice@example.jp"), office)
    slot = make_slot(office, make_counsellor(office), jst(2030, 11, 26, 10, 0))
    with django_capture_on_commit_callbacks(execute=False):
        return book(office, person, slot)


@pytest.mark.django_db
def test_the_card_shows_the_code_in_large_groups_with_copy_buttons_for_javascript(client, booking):
    services.issue_room(booking_id=booking.pk)
    room = Room.objects.get()
    assert ROOM_NAME.fullmatch(room.meeting_id)
    passcode = crypto.decrypt(room.passcode_encrypted)
    client.force_login(booking.user)
    html = client.get(f"/me/bookings/{booking.pk}/").content.decode()
    shown = re.search(r'<span class="access-code__value" id="meeting-id-\d+">(.*?)</span>\s', html)
    assert shown
    groups = re.findall(r'<span class="access-code__group">([^<]+)</span>', shown.group(1))
    assert "".join(groups) == room.meeting_id and len(groups) == 5
    # Copy buttons: the exact code, hidden until JavaScript finds a clipboard.
    buttons = re.findall(r"<button[^>]*copy-button[^>]*>", html)
    assert len(buttons) == 2
    assert f'data-copy="{room.meeting_id}"' in buttons[0]
    assert f'data-copy="{passcode}"' in buttons[1]
    assert all(" hidden" in button for button in buttons)
    assert "/static/js/copy.js" in html


@pytest.mark.django_db
def test_addresses_in_a_message_are_links(client, booking):
    services.issue_room(booking_id=booking.pk)
    message = Message.objects.get(user=booking.user, kind=Message.Kind.ACCESS_CODE)
    client.force_login(booking.user)
    html = client.get(f"/me/messages/{message.pk}/").content.decode()
    body = html[html.index('<div class="message-body">') :]
    terms_links = re.findall(r'<a href="(https?://[^"]+/offices/k/terms/)"', body)
    assert terms_links, body[:600]
