"""The citizen side on a 390×844 phone: the demo people's journeys as they stumble over
them (a re-consent that keeps the chosen slot, an issued account's first sign-in, …).
Elements are found by id, name, structure and URL; outcomes are checked in the database."""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking, Office
from bookings.services import issue_account
from terms.models import Consent
from tests.factories import make_confirmed_booking, make_slot
from tests.support.browser import assert_accessible
from tests.test_browser_booking import (
    SLOT_LINKS,
    book_and_land_on_booking,
    path_of,
    show_week_with_slots,
    sign_in,
    slot_id_of,
    versions_in_force,
    wait_for_path,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_citizens_re_consent_keeps_the_chosen_slot(page):
    call_command("seed_demo")
    email = "citizen@example.jp"  # agreed to version 1; version 2 is in force
    sign_in(page, email)
    page.goto("/offices/tomakomai/")
    show_week_with_slots(page)
    # Not the first slot: the one chosen must be the one come back to.
    links = page.locator(SLOT_LINKS)
    chosen = links.nth(min(2, links.count() - 1))
    book_path = chosen.get_attribute("href")
    slot_id = slot_id_of(book_path)
    chosen.click()

    # Step 1: the revised terms.
    wait_for_path(page, "/offices/tomakomai/terms/")
    assert parse_qs(urlparse(page.url).query)["next"] == [book_path]
    # The terms' nested lists (第6条 2, 第14条 1) are lists, not running text.
    assert page.locator("main ol > li > ul > li").count() >= 6
    assert_accessible(page)
    (v2,) = versions_in_force("tomakomai")
    consent_form = page.locator("form.consent-form").filter(
        has=page.locator(f"input[name=version][value='{v2.pk}']")
    )
    consent_form.locator("input[type=checkbox][name=agree]").check()
    with page.expect_navigation():
        consent_form.locator("button[type=submit]").click()

    # Step 2: the environment checklist the demo person has not gone through yet.
    wait_for_path(page, "/me/environment/")
    assert parse_qs(urlparse(page.url).query)["next"] == [book_path]
    assert page.locator("main .notice--info").count() >= 1  # why it is asked
    assert_accessible(page)
    boxes = page.locator("main form input[type=checkbox]")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    # Back on the form of the chosen slot, with no red notice nor refusal block.
    assert path_of(page.url) == book_path
    assert page.locator("main .notice--error, main .notice--warning").count() == 0
    assert page.locator("main form input[name^=agree_]").count() == 0
    assert_accessible(page)
    booking = book_and_land_on_booking(page, email, slot_id)
    assert booking.status == Booking.Status.CONFIRMED
    assert Consent.objects.filter(user__email=email, version=v2).exists()


def test_the_issued_accounts_first_sign_in_lands_on_my_page_after_the_change(page):
    call_command("seed_demo")
    office = Office.objects.get(slug="tachikawa")
    letter = issue_account(office=office, actor=User.objects.get(email="admin@example.jp"))

    page.goto("/accounts/issued/login/")
    page.locator("#id_login_id").fill(letter.login_id)
    page.locator("#id_password").fill(letter.password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    wait_for_path(page, "/accounts/password/change/")
    # Why, in the letter's words; no e-mail reset, the centre's phone to reissue instead.
    assert "初期パスワード" in page.locator("main .notice--info").inner_text()
    assert "初期パスワード" in page.locator("label[for=id_oldpassword]").inner_text()
    assert page.locator("main a[href*='/accounts/password/reset/']").count() == 0
    assert page.locator(f"main a[href='{office.phone.as_rfc3966}']").count() == 1
    assert_accessible(page)

    own = "Tachikawa-sora-2026"
    page.locator("#id_oldpassword").fill(letter.password)
    page.locator("#id_password1").fill(own)
    page.locator("#id_password2").fill(own)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert path_of(page.url) == "/me/"
    assert page.locator("main .notice--success").count() == 1
    assert_accessible(page)
    user = User.objects.get(login_id=letter.login_id)
    assert not user.must_change_password
    assert user.check_password(own)


def add_past_bookings(email: str) -> None:
    """Two bookings of the demo person that are over: one cancelled, one completed."""
    office = Office.objects.get(slug="tomakomai")
    person = User.objects.get(email=email)
    counsellor = office.counsellors.first()
    now = timezone.now()
    for days, status in ((9, Booking.Status.CANCELLED), (16, Booking.Status.COMPLETED)):
        slot = make_slot(office, counsellor, now - dt.timedelta(days=days))
        make_confirmed_booking(slot, person, status=status)


def single_line(page, selector: str) -> list[str]:
    """The texts of the elements that wrap onto more than one line (none, when nothing
    breaks mid-word): an inline element that wraps has one client rectangle per line."""
    return page.locator(selector).evaluate_all(
        "els => els.filter(e => e.getClientRects().length > 1).map(e => e.innerText)"
    )


def test_a_narrow_my_page_shows_past_bookings_as_cards_without_broken_words(page):
    call_command("seed_demo")
    email = "citizen@example.jp"
    add_past_bookings(email)
    sign_in(page, email)
    page.goto("/me/")
    assert page.viewport_size == {"width": 390, "height": 844}
    cards = page.locator("main .past-cards > li.card")
    assert cards.count() == 2
    assert page.locator("main .past-table").is_hidden()
    statuses = page.locator("main .past-cards .past-status")
    assert "キャンセル" in statuses.all_inner_texts()
    # No word broken into lines: statuses, card titles, header links each on one line.
    assert single_line(page, "main .past-cards .past-status") == []
    assert single_line(page, "main .past-cards .card__title .nowrap") == []
    assert single_line(page, "header .site-nav a, header .site-title") == []
    # The compact header: the title, the language button and one row of links.
    header = page.locator("header.site-header").bounding_box()
    assert header is not None and header["height"] <= 844 * 0.15
    nav_rows = page.locator("header .site-nav a").evaluate_all(
        "els => new Set(els.map(e => Math.round(e.getBoundingClientRect().top))).size"
    )
    assert nav_rows == 1
    assert_accessible(page)

    # Wider: the table.
    page.set_viewport_size({"width": 1024, "height": 800})
    assert page.locator("main .past-table").is_visible()
    assert page.locator("main .past-cards").is_hidden()
    assert_accessible(page)


def test_one_tap_switches_the_language_without_javascript(chromium, live_server):
    call_command("seed_demo")
    context = chromium.new_context(
        java_script_enabled=False,
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport={"width": 390, "height": 844},
        base_url=live_server.url,
    )
    context.set_default_timeout(15_000)
    try:
        plain = context.new_page()
        plain.goto("/offices/tomakomai/")
        assert plain.locator("html").get_attribute("lang") == "ja"
        with plain.expect_navigation():
            plain.locator("header form.lang-switch button[lang=en]").click()
        assert plain.locator("html").get_attribute("lang") == "en"
        assert path_of(plain.url) == "/offices/tomakomai/"  # the same page
        with plain.expect_navigation():
            plain.locator("header form.lang-switch button[lang=ja]").click()
        assert plain.locator("html").get_attribute("lang") == "ja"
        assert plain.locator("header form.lang-switch button").count() == 1
    finally:
        context.close()
