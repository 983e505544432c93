"""The admin reads in Japanese: the project's own catalogue is complete (every message
translated, none fuzzy, every msgid the code uses present) and the library strings the
admin shows — Django 6.1's "- Select an option -" among them — come out in Japanese."""

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from bookings.models import Booking, Counsellor, Office
from tests.factories import make_confirmed_booking, make_eligible, make_slot_among_demo
from tests.support.staff import sign_in_staff

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"
PROJECT_PACKAGES = ("accounts", "bookings", "portal", "terms")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
# `{% translate "…" %}` / `{% trans '…' %}`, optionally with `context "…"`.
TEMPLATE_TRANSLATE = re.compile(
    r"""{%\s*trans(?:late)?\s+(?P<q>["'])(?P<id>.*?)(?P=q)"""
    r"""(?:\s+context\s+(?P<cq>["'])(?P<ctx>.*?)(?P=cq))?[^%]*%}"""
)

ADMIN_PAGES = [
    "/admin/?models=1",
    "/admin/bookings/booking/",
    "/admin/bookings/booking/?status__exact=confirmed",
    "/admin/bookings/slot/add/",
    "/admin/bookings/suspension/add/",
    "/admin/accounts/user/",
    "/admin/bookings/suspension/",
    "/admin/mfa/authenticator/",
    "/admin/usersessions/usersession/",
]


def catalogue():
    with CATALOGUE.open("rb") as po:
        return read_po(po, locale="ja")


def test_every_message_of_the_catalogue_is_translated_and_none_is_fuzzy():
    missing, fuzzy = [], []
    for message in catalogue():
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s and s.strip() for s in strings):
            missing.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert missing == []
    assert fuzzy == []


def _python_msgids():
    for package in PROJECT_PACKAGES:
        method_map = [("**/migrations/**", "ignore"), ("**.py", "python")]
        for filename, _line, msgid, _comments, ctx in extract_from_dir(
            ROOT / package, method_map, keywords=KEYWORDS, comment_tags=()
        ):
            first = msgid[0] if isinstance(msgid, tuple) else msgid
            if first:
                yield f"{package}/{filename}", first, ctx


def _template_msgids():
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for match in TEMPLATE_TRANSLATE.finditer(path.read_text(encoding="utf-8")):
            yield str(path.relative_to(ROOT)), match["id"], match["ctx"]


def test_every_msgid_the_python_code_and_templates_use_is_in_the_catalogue():
    """Python via babel's extractor (gettext, gettext_lazy, ngettext, pgettext and their
    lazy forms, `_`); templates via `{% translate "…" %}` only — `{% blocktranslate %}`
    bodies are left to makemessages (the variables and whitespace rules make a regex
    fragile)."""
    known = {(m.id[0] if isinstance(m.id, tuple) else m.id, m.context) for m in catalogue()}
    used = list(_python_msgids()) + list(_template_msgids())
    assert len(used) > 100
    absent = sorted({(where, msgid) for where, msgid, ctx in used if (msgid, ctx) not in known})
    assert absent == []


@pytest.fixture
def superuser_client(django_user_model):
    call_command("seed_demo")
    office = Office.objects.get(slug="tomakomai")
    start = timezone.localtime().replace(microsecond=0, second=0) + dt.timedelta(days=1)
    person = django_user_model.objects.create_user(email="p@example.jp", password="x-9-horse")
    make_confirmed_booking(
        make_slot_among_demo(office, Counsellor.objects.get(office=office), start),
        make_eligible(person, office),
    )
    user = django_user_model.objects.get(email="admin@example.jp")
    client = Client()
    sign_in_staff(client, user)
    return client


def _pages(client):
    pages = {}
    booking = Booking.objects.get(user__email="p@example.jp")
    slot_change = f"/admin/bookings/slot/{booking.slot_id}/change/"
    for url in [*ADMIN_PAGES, f"/admin/bookings/booking/{booking.pk}/change/", slot_change]:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    return pages


@pytest.mark.django_db
def test_the_select_prompt_of_the_admin_reads_in_japanese(superuser_client):
    pages = _pages(superuser_client)
    for url in (
        "/admin/bookings/slot/add/",
        "/admin/bookings/suspension/add/",
        "/admin/accounts/user/",
    ):
        assert "- Select an option -" not in pages[url], url
        assert "- 選択してください -" in pages[url], url
    for url, html in pages.items():
        assert "- Select an option -" not in html, url
        assert 'lang="ja"' in html, url


@pytest.mark.django_db
def test_the_admin_pages_show_the_projects_japanese(superuser_client):
    pages = _pages(superuser_client)
    index = pages["/admin/?models=1"]
    assert "多要素認証" in index  # allauth's app "MFA"
    assert "ユーザーセッション" in index  # allauth's app "User Sessions"
    assert "アカウント" in index  # allauth's app "Accounts"
    assert "利用停止" in pages["/admin/bookings/suspension/"]
    bookings = pages["/admin/bookings/booking/"]
    assert 'name="action"' in bookings
    assert "利用停止" in bookings  # the action "Suspend this person at the office…"
    for url, html in pages.items():
        assert "Done." not in html, url
        assert ">Suspend<" not in html, url


@pytest.mark.django_db
def test_allauths_model_names_read_in_japanese(superuser_client):
    pages = _pages(superuser_client)
    for url, html in pages.items():
        assert "Authenticators" not in html, url
        assert "User sessions" not in html, url
    assert "認証器" in pages[next(url for url in pages if "authenticator" in url)]
