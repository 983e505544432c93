"""Whatever people type, the portal answers with a message, never a 500, and writes only
clean, normalised data."""

import re
from http import HTTPStatus

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Profile
from bookings.models import Booking
from tests.factories import (
    jst,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
)

pytestmark = pytest.mark.django_db
KATAKANA = re.compile(r"^[\u30a1-\u30fa\u30fc\u30fb ]+$")


@pytest.fixture
def setup(make_user):
    office = make_office_with_terms(
        slug="k", municipality_codes=["01213"], requires_job_seeker_number=True
    )
    slot = make_slot(office, make_counsellor(office), jst(2026, 11, 26, 10, 0))
    user = make_eligible(make_user(), office)
    return office, slot, user


text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
    max_size=40,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=text,
    kana=st.one_of(text, st.sampled_from(["やまだ", "ヤマダ ハナコ", "ﾔﾏﾀﾞ", "山田", ""])),
    number=st.one_of(text, st.sampled_from(["01234-5678901", "０１２３４５６７８", "1-2"])),
    interpreter=st.booleans(),
    note=text,
)
def test_the_booking_form_never_fails_and_stores_only_clean_data(
    client, setup, name, kana, number, interpreter, note
):
    office, slot, user = setup
    client.force_login(user)
    data = {
        "full_name": name,
        "full_name_kana": kana,
        "job_seeker_number": number,
        "interpreter_note": note,
    }
    if interpreter:
        data["interpreter_attending"] = "on"
    with time_machine.travel(jst(2026, 11, 24, 12, 0), tick=False):
        response = client.post(f"/offices/{office.slug}/book/{slot.pk}/", data)
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
    for booking in Booking.objects.all():
        assert booking.full_name.strip()
        assert KATAKANA.match(booking.full_name_kana)
        assert re.fullmatch(r"\d{5}-\d{4,8}", booking.job_seeker_number)
        assert not booking.interpreter_attending or booking.interpreter_note.strip()
        booking.delete()  # next example starts from an empty slot


@pytest.mark.parametrize(
    ("postal_code", "message"),
    [
        ("0000000", "No address in Japan has this postal code"),
        ("90210", "Enter the postal code as 7 digits"),
        ("SW1A 1AA", "Enter the postal code as 7 digits"),
        ("1234567890", "Enter the postal code as 7 digits"),
    ],
)
def test_postal_codes_outside_japan_are_refused(client, make_user, postal_code, message):
    user = make_user()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    response = client.post("/me/profile/", profile_data(postal_code=postal_code))
    assert response.status_code == HTTPStatus.OK
    assert message in response.content.decode()
    assert not Profile.objects.filter(user=user, family_name="山田").exists()


def profile_data(**overrides):
    return {
        "family_name": "山田",
        "given_name": "花子",
        "family_name_kana": "やまだ",
        "given_name_kana": "ﾊﾅｺ",
        "phone": "０１４４－３２－５２２１",
        "postal_code": "〒０５３－００００",
        "job_seeker_number": "01234ー5678901",
        **overrides,
    }


def test_the_profile_normalises_kana_phone_postal_code_and_number(client, make_user):
    user = make_user()
    client.force_login(user)
    response = client.post("/me/profile/", profile_data())
    assert response.status_code == HTTPStatus.FOUND
    profile = Profile.objects.get(user=user)
    assert (profile.family_name_kana, profile.given_name_kana) == ("ヤマダ", "ハナコ")
    assert profile.phone.as_national == "0144-32-5221"
    assert (profile.postal_code, profile.municipality_code) == ("0530000", "01213")
    assert profile.municipality_name == "北海道苫小牧市"
    assert profile.job_seeker_number == "01234-5678901"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("family_name_kana", "Yamada", "katakana"),
        ("family_name_kana", "山田", "katakana"),
        ("phone", "12345", "Japanese phone number"),
        ("phone", "+1 415 555 0100", "Japanese phone number"),
        ("job_seeker_number", "1234-5678", "5 digits, a hyphen and 4 to 8 digits"),
    ],
)
def test_bad_profile_input_is_refused_with_a_message(client, make_user, field, value, message):
    user = make_user()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    response = client.post("/me/profile/", profile_data(**{field: value}))
    assert response.status_code == HTTPStatus.OK
    assert message in response.content.decode()
    assert not Profile.objects.filter(user=user, family_name="山田").exists()


def test_a_postal_code_of_several_municipalities_asks_which(client, make_user):
    user = make_user()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    response = client.post("/me/profile/", profile_data(postal_code="985-0000"))
    html = response.content.decode()
    assert "covers several municipalities" in html
    assert "塩竈市" in html and "多賀城市" in html
    response = client.post(
        "/me/profile/", profile_data(postal_code="985-0000", municipality_code="04209")
    )
    assert response.status_code == HTTPStatus.FOUND
    assert Profile.objects.get(user=user).municipality_code == "04209"


def test_the_environment_checklist_needs_every_point(client, make_user):
    user = make_user()
    client.force_login(user)
    points = ["supported_os", "firewall", "no_file_sharing", "antivirus", "no_untrusted_wifi"]
    response = client.post("/me/environment/", {p: "on" for p in points})
    assert response.status_code == HTTPStatus.OK
    assert Profile.objects.get(user=user).environment_confirmed_at is None
    client.post("/me/environment/", {p: "on" for p in [*points, "camera"]})
    assert Profile.objects.get(user=user).environment_confirmed_at is not None


def test_the_device_check_page_loads_its_script(client):
    html = client.get("/device-check/").content.decode()
    assert 'id="device-check-start"' in html and "js/device-check.js" in html
