"""A booking that needs a step first (re-consent, profile, checklist) comes back to the
slot the person chose after each step: the `next` survives every step, and only an
address of this site is followed."""

import datetime as dt
from http import HTTPStatus
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone, translation

from accounts.models import Profile
from terms import services as terms_services
from terms.models import Consent
from tests.factories import (
    make_counsellor,
    make_document,
    make_office,
    make_slot,
    publish_historical,
)

pytestmark = pytest.mark.django_db

ENVIRONMENT = {
    "supported_os": "on",
    "firewall": "on",
    "no_file_sharing": "on",
    "antivirus": "on",
    "no_untrusted_wifi": "on",
    "camera": "on",
}
PROFILE = {
    "family_name": "山田",
    "given_name": "花子",
    "family_name_kana": "ヤマダ",
    "given_name_kana": "ハナコ",
    "phone": "090-1234-5678",
    "postal_code": "",
    "job_seeker_number": "",
}


@pytest.fixture
def world(make_user):
    office = make_office(slug="steps")
    document = make_document(office, slug="consultation")
    v1 = publish_historical(document, "## 第1条\n\n旧規約です。\n")
    person = make_user("steps@example.jp")
    Profile.objects.get_or_create(user=person)
    Consent.objects.create(user=person, version=v1, method=Consent.Method.EXPLICIT)
    draft = terms_services.create_draft(
        document=document, text="## 第1条\n\n新規約です。\n", change_summary="変更"
    )
    v2 = terms_services.publish_version(version=draft)  # in force from now
    counsellor = make_counsellor(office)
    slot = make_slot(office, counsellor, timezone.now() + dt.timedelta(days=3))
    return office, person, v2, slot


def why_asked(response) -> list[str]:
    """The notices a step page shows (the refusal that sent the person there)."""
    return [m.message for m in response.context["messages"] if m.level_tag == "info"]


def gettext_refusal(code: str) -> str:

    texts = {
        "profile": "Your name, its reading in katakana and your phone number are needed.",
        "environment": (
            "Before your first booking, confirm that your device and connection are "
            "ready for a video consultation."
        ),
    }
    with translation.override("ja"):
        return translation.gettext(texts[code])


def next_of(response) -> str:
    return parse_qs(urlparse(response.url).query)["next"][0]


def test_each_step_a_booking_needs_returns_to_the_chosen_slot(client, world):
    _office, person, v2, slot = world
    client.force_login(person)
    book_path = f"/offices/steps/book/{slot.pk}/"

    # 1. Revised terms: to the terms page, then straight back to the slot.
    response = client.get(book_path)
    assert urlparse(response.url).path == "/offices/steps/terms/"
    assert next_of(response) == book_path
    response = client.post(
        "/offices/steps/terms/consent/", {"version": v2.pk, "agree": "on", "next": book_path}
    )
    assert response.url == book_path
    assert Consent.objects.filter(user=person, version=v2).exists()

    # 2. An incomplete profile: to the profile, then back to the slot.
    response = client.get(book_path)
    assert urlparse(response.url).path == "/me/profile/"
    assert next_of(response) == book_path
    step = client.get(response.url)
    assert step.context["next"] == book_path
    assert why_asked(step) == [gettext_refusal("profile")]
    response = client.post("/me/profile/", {**PROFILE, "next": book_path})
    assert response.url == book_path

    # 3. The checklist: there, and back to the slot.
    response = client.get(book_path)
    assert urlparse(response.url).path == "/me/environment/"
    assert next_of(response) == book_path
    step = client.get(response.url)
    assert step.context["next"] == book_path
    assert why_asked(step) == [gettext_refusal("environment")]
    response = client.post("/me/environment/", {**ENVIRONMENT, "next": book_path})
    assert response.url == book_path

    # 4. The booking form of that very slot, with no warning of what was missing.
    response = client.get(book_path)
    assert response.status_code == HTTPStatus.OK
    assert response.context["slot"] == slot
    assert {m.level_tag for m in response.context["messages"]} <= {"success"}


def test_a_refusal_the_person_cannot_fix_goes_to_the_office_page_without_a_notice_twice(
    client, world
):
    office, person, v2, slot = world
    Consent.objects.create(user=person, version=v2, method=Consent.Method.EXPLICIT)
    office.requires_residence = True
    office.municipality_codes = ["01213"]
    office.save()
    profile = Profile.objects.get(user=person)
    for field, value in PROFILE.items():
        setattr(profile, field, value)
    profile.postal_code, profile.municipality_code = "1900000", "13202"  # outside the area
    profile.environment_confirmed_at = timezone.now()
    profile.save()
    client.force_login(person)

    response = client.get(f"/offices/steps/book/{slot.pk}/", follow=True)
    assert response.redirect_chain[-1][0] == "/offices/steps/"
    # The refusal block explains it; no red notice repeats it above.
    assert not list(response.context["messages"])
    assert [r.code for r in response.context["refusals"]] == ["residence"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_a_next_to_another_site_is_not_followed_after_a_step(client, world, target):
    _office, person, _v2, _slot = world
    client.force_login(person)
    response = client.post("/me/environment/", {**ENVIRONMENT, "next": target})
    assert response.url == "/me/environment/"
    response = client.post("/me/profile/", {**PROFILE, "next": target})
    assert response.url == "/me/profile/"
