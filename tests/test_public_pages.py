"""The pages a public body publishes (how personal data is handled, site-wide and per office;
the accessibility policy with its generated test results), and what a browser or crawler
asks of every page (a description, icons, a manifest, /favicon.ico)."""

import io
import json
import re
from http import HTTPStatus

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from portal import accessibility
from tests.factories import make_office

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return make_office("kita", name="北ハローワーク", name_en="Kita Hello Work")


@pytest.fixture
def centre():
    from bookings.models import Office

    return make_office(
        "minami",
        name="南子ども家庭センター",
        name_en="Minami child and family centre",
        kind=Office.Kind.CHILD_FAMILY,
        phone="042-527-3234",
        requires_issued_account=True,
        requires_residence=True,
    )


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# How personal data is handled.


def test_the_site_wide_privacy_page_says_what_why_how_long_who_and_how_to_get_it(
    english_client, office, centre, settings
):
    settings.USAGE_RETENTION_DAYS = 200
    response = english_client.get("/privacy/")
    assert response.status_code == HTTPStatus.OK
    text = text_of(response)
    for heading in ("What is recorded", "Why", "How long", "Who can see it", "Your own data"):
        assert heading in text
    assert "Usage records" in text and "keyed hash" in text
    assert "kept for 200 days" in text
    assert "Staff of another office in this portal cannot see them" in text
    assert "Download my data (JSON)" in text
    html = response.content.decode()
    assert 'href="/offices/kita/privacy/"' in html
    assert 'href="/offices/minami/privacy/"' in html
    assert 'href="tel:+81-42-527-3234"' in html


def test_the_privacy_page_is_japanese_by_default(client, office, settings):
    settings.USAGE_RETENTION_DAYS = 365
    text = text_of(client.get("/privacy/"))
    assert "個人情報の取扱い" in text
    assert "利用の記録と職員による閲覧の記録は365日間保存し" in text
    assert "鍵付きハッシュ" in text
    assert "自分のデータをダウンロード（JSON）" in text


def test_an_offices_privacy_page_is_linked_from_its_page_and_says_its_own_rules(
    english_client, office, centre
):
    office_page = english_client.get("/offices/minami/").content.decode()
    assert 'href="/offices/minami/privacy/"' in office_page

    text = text_of(english_client.get("/offices/minami/privacy/"))
    assert "How personal data is handled: Minami child and family centre" in text
    assert "The counsellors and managers of Minami child and family centre" in text
    assert "issues the user ID, the initial password and the consultation ID" in text
    assert "to check that you live in its area" in text
    assert "the city's rules on personal information" in text
    assert "Employment Security Act" not in text
    assert (
        "Questions about your data at Minami child and family centre, by phone: 042-527-3234"
        in (text)
    )

    hello_work = text_of(english_client.get("/offices/kita/privacy/"))
    assert "Article 5-4 of the Employment Security Act" in hello_work
    assert "issues the user ID" not in hello_work
    assert "to check that you live in its area" not in hello_work


def test_a_signed_in_person_gets_the_download_link_on_the_privacy_page(client, make_user, office):
    client.force_login(make_user())
    html = client.get("/offices/kita/privacy/").content.decode()
    assert 'href="/me/my-data.json" download' in html


def test_an_unknown_offices_privacy_page_is_404(client):
    assert client.get("/offices/nowhere/privacy/").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize(
    ("path", "signed_in"),
    [
        ("/", False),
        ("/offices/kita/", True),
        ("/accounts/login/", False),
        ("/privacy/", False),
        ("/accessibility/", True),
        ("/me/", True),
        ("/me/messages/", True),
    ],
)
def test_every_page_links_both_public_pages_in_its_footer(
    client, make_user, office, path, signed_in
):
    if signed_in:
        client.force_login(make_user())
    html = client.get(path).content.decode()
    footer = html.split('<footer class="site-footer">', 1)[1]
    assert '<a href="/privacy/">個人情報の取扱い</a>' in footer
    assert '<a href="/accessibility/">ウェブアクセシビリティ方針</a>' in footer


# The accessibility policy and its generated results.

SAMPLE_RECORDS = [
    {
        "path": "/offices/<slug>/",
        "language": "ja",
        "tags": ["wcag2a", "wcag2aa"],
        "axe_version": "4.10.2",
        "checked_at": "2026-11-30T14:59:00+00:00",
        "violations": 0,
    },
    {
        "path": "/offices/<slug>/",
        "language": "en",
        "tags": ["wcag2a", "wcag2aa", "wcag22aa"],
        "axe_version": "4.10.2",
        "checked_at": "2026-11-30T15:01:00+00:00",  # 1 December in Japan
        "violations": 2,
    },
    {
        # An id that slipped through is not published.
        "path": "/me/bookings/12/?week=2026-12-07",
        "language": "ja",
        "tags": ["wcag2a"],
        "axe_version": "4.10.2",
        "checked_at": "2026-11-29T01:00:00+00:00",
        "violations": 0,
    },
]
EXPECTED_REPORT = {
    "tested_on": "2026-12-01",
    "axe_versions": ["4.10.2"],
    "tags": ["wcag22aa", "wcag2a", "wcag2aa"],
    "pages_checked": 2,
    "checks": 3,
    "violations": 2,
    "pages": [
        {
            "path": "/me/bookings/<id>/",
            "checks": 1,
            "violations": 0,
            "languages": ["ja"],
            "last_checked": "2026-11-29",
        },
        {
            "path": "/offices/<slug>/",
            "checks": 2,
            "violations": 2,
            "languages": ["en", "ja"],
            "last_checked": "2026-12-01",
        },
    ],
}


def test_the_command_turns_the_suites_records_into_the_pages_data(tmp_path):
    records = tmp_path / "checks.jsonl"
    records.write_text("".join(json.dumps(record) + "\n" for record in SAMPLE_RECORDS))
    output = tmp_path / "accessibility.json"
    call_command("accessibility_report", records=records, output=output, stdout=io.StringIO())
    assert json.loads(output.read_text()) == EXPECTED_REPORT


def test_without_records_the_command_leaves_the_published_results_alone(tmp_path):
    output = tmp_path / "accessibility.json"
    output.write_text('{"kept": true}\n')
    call_command(
        "accessibility_report",
        records=tmp_path / "missing.jsonl",
        output=output,
        stdout=io.StringIO(),
    )
    assert output.read_text() == '{"kept": true}\n'


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        ("http://127.0.0.1:8000/", "/"),
        ("http://127.0.0.1:8000/offices/tomakomai/?week=2026-12-07", "/offices/<slug>/"),
        ("http://127.0.0.1:8000/me/bookings/12/cancel/", "/me/bookings/<pk>/cancel/"),
        ("/feeds/counsellors/" + "a" * 40 + ".ics", "/feeds/counsellors/<token>.ics"),
        ("/admin/bookings/booking/7/change/", "/admin/bookings/booking/<object_id>/change/"),
        ("/accounts/confirm-email/MQ:1v2:secret-key/", "/accounts/confirm-email/<key>/"),
        ("/nowhere/", "(no page)"),
    ],
)
def test_a_checked_page_is_recorded_by_its_url_pattern_never_its_ids(url, pattern):
    assert accessibility.path_pattern(url) == pattern


def test_the_policy_page_shows_the_committed_results(english_client, office):
    report = json.loads(accessibility.DATA_FILE.read_text())
    assert report["pages_checked"] > 0
    response = english_client.get("/accessibility/")
    assert response.status_code == HTTPStatus.OK
    text = text_of(response)
    assert "JIS X 8341-3:2016" in text
    for heading in ("Target", "Scope", "Exceptions", "Results of the latest test", "Contact"):
        assert heading in text
    assert f"{report['pages_checked']} pages ({report['checks']} checks)" in text
    assert f"Problems found {report['violations']} " in text
    assert f"axe-core {', '.join(report['axe_versions'])}" in text
    for page in report["pages"]:
        assert f"<code>{page['path'].replace('<', '&lt;').replace('>', '&gt;')}</code>" in (
            response.content.decode()
        )
    assert 'href="tel:+81-144-32-5221"' in response.content.decode()


def test_the_policy_page_shows_whatever_the_data_file_says(english_client, tmp_path, monkeypatch):
    data = tmp_path / "accessibility.json"
    accessibility.write_report(EXPECTED_REPORT, data)
    monkeypatch.setattr(accessibility, "DATA_FILE", data)
    text = text_of(english_client.get("/accessibility/"))
    assert "Tue, 1 December 2026" in text
    assert "2 pages (3 checks)" in text
    assert "Problems found 2 " in text
    assert "WCAG 2.0 A, WCAG 2.0 AA, WCAG 2.2 AA" in text

    data.unlink()
    assert "No test results have been published yet." in text_of(
        english_client.get("/accessibility/")
    )


def test_the_published_results_hold_no_ids_and_no_personal_data():
    report = json.loads(accessibility.DATA_FILE.read_text())
    # Generated by a run that had the browser tests of these pages too.
    published = {page["path"] for page in report["pages"]}
    assert {"/", "/privacy/", "/offices/<slug>/privacy/", "/accessibility/"} <= published
    for page in report["pages"]:
        assert page["path"].startswith("/") or page["path"] == accessibility.UNRESOLVED
        assert "?" not in page["path"] and "@" not in page["path"]
        assert not any(part.isdigit() for part in page["path"].split("/"))


# Icons, manifest and descriptions.


def test_favicon_ico_answers_with_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"


def test_the_manifest_names_the_portal_and_its_icons_exist(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] == "オンライン相談予約"
    assert manifest["start_url"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_every_page_has_icons_a_manifest_and_a_description_of_its_own(client, office):
    office.summary = "求職者のためのオンライン職業相談です。"
    office.save()
    descriptions = {}
    for path in (
        "/",
        "/offices/kita/",
        "/offices/kita/terms/",
        "/device-check/",
        "/privacy/",
        "/offices/kita/privacy/",
        "/accessibility/",
    ):
        html = client.get(path).content.decode()
        assert '<link rel="manifest" href="/manifest.webmanifest">' in html
        assert 'rel="icon" href="/static/icons/favicon.ico"' in html
        assert 'rel="apple-touch-icon"' in html
        found = re.search(r'<meta name="description" content="([^"]+)">', html)
        assert found is not None, path
        descriptions[path] = found.group(1)
    assert descriptions["/offices/kita/"] == "求職者のためのオンライン職業相談です。"
    assert "北ハローワーク" in descriptions["/offices/kita/privacy/"]
    assert "JIS X 8341-3:2016" in descriptions["/accessibility/"]
    assert len(set(descriptions.values())) == len(descriptions)
