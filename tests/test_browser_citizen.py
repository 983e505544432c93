"""The citizen side on a 390×844 phone: the demo people's journeys as they stumble over
them (a re-consent that keeps the chosen slot, an issued account's first sign-in, …).
Elements are found by id, name, structure and URL; outcomes are checked in the database."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command

from accounts.models import User
from bookings.models import Booking, Office
from bookings.services import issue_account
from terms.models import Consent
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
