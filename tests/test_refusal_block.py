"""The office page's block that explains why a person cannot book: one short reason per
rule, one short action each (a link where they can act here), the office phone once."""

import re

import pytest

from accounts.models import Profile
from tests.factories import make_office_with_terms

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return make_office_with_terms(
        slug="strict",
        phone="0144-32-5221",
        municipality_codes=["01213"],
        requires_residence=True,
        requires_job_seeker_number=True,
        requires_issued_account=True,
    )


def block_of(client) -> str:
    page = client.get("/offices/strict/").content.decode()
    match = re.search(r'<div class="notice notice--warning refusal-block">(.*?)</div>', page, re.S)
    assert match, "no refusal block"
    return match.group(1)


def test_each_rule_has_one_short_reason_and_one_short_action(english_client, make_user, office):
    person = make_user("new@example.jp")
    Profile.objects.create(user=person)  # nothing filled in
    english_client.force_login(person)
    block = block_of(english_client)
    items = re.findall(r"<li>(.*?)</li>", block, re.S)
    # issued account, profile, job-seeker number, address, checklist
    assert len(items) == 5
    for item in items:
        assert item.count('class="refusal__reason"') == 1
        assert item.count('class="refusal__action"') == 1
        assert item.count("<a ") <= 1
        for link_text in re.findall(r"<a [^>]*>(.*?)</a>", item):
            assert len(link_text) <= 30, link_text  # a short action, not a sentence
    links = re.findall(r'<a class="refusal__action" href="([^"]+)">([^<]+)</a>', block)
    assert [text for _href, text in links] == [
        "Fill in your profile.",
        "Enter it in your profile.",
        "Check your postal code.",
        "Go through the checklist.",
    ]


def test_the_office_phone_appears_once_as_a_tel_link(english_client, make_user, office):
    person = make_user("new@example.jp")
    Profile.objects.create(user=person)
    english_client.force_login(person)
    block = block_of(english_client)
    assert block.count("0144-32-5221") == 1
    assert '<a href="tel:+81-144-32-5221">0144-32-5221</a>' in block


def test_the_block_reads_in_japanese_with_full_width_punctuation(client, make_user, office):
    person = make_user("new@example.jp")
    Profile.objects.create(user=person)
    client.force_login(person)
    block = block_of(client)
    assert "お問い合わせ：" in block
    assert '電話 <a href="tel:+81-144-32-5221">0144-32-5221</a>）' in block
