import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from bookings.models import Room
from portal import crypto
from tests.factories import jst, make_counsellor, make_office, make_slot


def test_a_secret_round_trips_and_is_not_stored_in_clear(settings):
    settings.PASSCODE_KEYS = [Fernet.generate_key().decode()]
    token = crypto.encrypt("12345678")
    assert "12345678" not in token
    assert crypto.decrypt(token) == "12345678"


def test_a_wrong_key_cannot_read_it(settings):
    settings.PASSCODE_KEYS = [Fernet.generate_key().decode()]
    token = crypto.encrypt("12345678")
    settings.PASSCODE_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ValueError, match="cannot be decrypted"):
        crypto.decrypt(token)


@pytest.mark.django_db
def test_rotation_re_encrypts_with_the_new_key_so_the_old_one_can_go(settings, make_user):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PASSCODE_KEYS = [old]
    office = make_office()
    slot = make_slot(office, make_counsellor(office), jst(2026, 12, 1, 10))
    from bookings.models import Booking

    booking = Booking.objects.create(
        slot=slot, user=make_user(), full_name="x", full_name_kana="エ", phone="090-1234-5678"
    )
    Room.objects.create(
        booking=booking,
        provider="jitsi",
        meeting_id="room",
        passcode_encrypted=crypto.encrypt("24681357"),
        join_url="https://meet.example/room",
    )
    settings.PASSCODE_KEYS = [new, old]
    call_command("rotate_passcodes")
    settings.PASSCODE_KEYS = [new]
    assert crypto.decrypt(Room.objects.get().passcode_encrypted) == "24681357"
