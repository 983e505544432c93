"""The pages a public body publishes, on a phone, by keyboard, in Japanese and English: how
personal data is handled (site-wide and per office) and the accessibility policy, reached
from every page's footer, axe clean; each check is recorded for the policy's results."""

import datetime as dt
import io
import json
import re

import pytest
from django.core.management import call_command

from portal import accessibility
from tests.support.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def follow_footer_link(page, name: str) -> None:
    link = page.get_by_role("contentinfo").get_by_role("link", name=name, exact=True)
    link.focus()
    page.keyboard.press("Enter")


def test_the_public_pages_from_the_footer_in_japanese_and_english(page, live_server):
    call_command("seed_demo", stdout=io.StringIO())

    page.goto("/")
    follow_footer_link(page, "個人情報の取扱い")
    page.wait_for_url("**/privacy/")
    assert page.get_by_role("heading", name="個人情報の取扱い", level=1).is_visible()
    assert page.get_by_role("heading", name="記録する情報").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="個人情報の取扱い：ハローワーク伊丹").click()
    page.wait_for_url("**/offices/itami/privacy/")
    assert page.get_by_text("職業安定法第5条の4").is_visible()
    assert_accessible(page)

    # Per office: reachable from the office's page.
    page.goto("/offices/tachikawa/")
    page.get_by_role("link", name="個人情報の取扱い：立川市子ども家庭センター").click()
    page.wait_for_url("**/offices/tachikawa/privacy/")
    assert page.get_by_role("link", name="042-527-3234").get_attribute("href") == (
        "tel:+81-42-527-3234"
    )
    assert_accessible(page)

    follow_footer_link(page, "ウェブアクセシビリティ方針")
    page.wait_for_url("**/accessibility/")
    assert page.get_by_role("heading", name="ウェブアクセシビリティ方針", level=1).is_visible()
    assert page.get_by_text("JIS X 8341-3:2016").first.is_visible()
    assert page.get_by_role("heading", name="最新の試験結果").is_visible()
    assert page.get_by_role("table", name="ページごとの結果").is_visible()
    assert_accessible(page)

    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    for path, heading in [
        ("/privacy/", "How personal data is handled"),
        ("/offices/tomakomai/privacy/", re.compile(r"^How personal data is handled: ")),
        ("/accessibility/", "Web accessibility policy"),
    ]:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", name=heading, level=1).is_visible()
        assert_accessible(page)

    # Each check above is recorded by URL pattern and language, with today's date.
    today = dt.datetime.now(dt.UTC).date()
    recorded = {
        (record["path"], record["language"])
        for record in map(json.loads, accessibility.RECORDS_FILE.read_text().splitlines())
        if dt.datetime.fromisoformat(record["checked_at"]).astimezone(dt.UTC).date() >= today
    }
    assert {
        ("/privacy/", "ja"),
        ("/offices/<slug>/privacy/", "ja"),
        ("/accessibility/", "ja"),
        ("/privacy/", "en"),
        ("/offices/<slug>/privacy/", "en"),
        ("/accessibility/", "en"),
    } <= recorded
