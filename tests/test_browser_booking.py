"""A citizen on a phone books a consultation at each demo office, and cancels it again.

Each office's demo user starts ineligible: they fix their profile (typing the reading in
hiragana and the phone in full-width digits), go through the environment checklist, agree
to the terms the way their office asks (re-consent to a revision at Tomakomai, consent
deemed by applying at Itami and Tachikawa), apply for a slot and cancel from My Page.

UI text is being translated while these tests are written, so the tests find elements by
id, name, structure and URL, and check outcomes in the database, never by wording.
"""

import datetime as dt
import re
from typing import cast
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Profile
from bookings.models import Booking, Office, Slot
from terms.models import Consent, TermsVersion
from tests.support.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-pass-2026"
FULL_WIDTH_PHONE = "０９０－１２３４－５６７８"

# Locators that do not depend on the language of the page.
ELIGIBILITY = "section[aria-labelledby='eligibility-heading']"
REFUSALS = f"{ELIGIBILITY} ul.refusals li"
SLOT_LINKS = "#slots a.slot"
CURRENT_WEEK = "#slots .date-switch__current"
# The week links sit before and after the current week's dates; "next" comes after.
NEXT_WEEK = "#slots nav.date-switch p.date-switch__current ~ a"
SUBMIT = "main form button[type=submit]"


# --- helpers ---------------------------------------------------------------------------------


def path_of(url: str) -> str:
    return urlparse(url).path


def wait_for_path(page, path: str) -> None:
    page.wait_for_url(lambda url: path_of(url) == path)


def form_errors(page) -> list[str]:
    return page.locator("main .errorlist li, main .notice--error").all_inner_texts()


def submit_and_expect(page, path: str) -> None:
    """Press the page's submit button and land on `path` (a form that fails stays put:
    its error messages are shown in the assertion)."""
    with page.expect_navigation():
        page.locator(SUBMIT).click()
    assert path_of(page.url) == path, (page.url, form_errors(page))


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード（必須）", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(lambda url: not path_of(url).startswith("/accounts/login/"))
    assert page.locator("header a[href='/accounts/logout/']").count() == 1


def show_week_with_slots(page) -> None:
    """Move week by week (with the week links, htmx swapping the list) until a free slot
    is listed: on a Friday or Saturday the first open week has no bookable day left."""
    for _ in range(Office._meta.get_field("weeks_open").default + 2):
        if page.locator(SLOT_LINKS).count():
            return
        before = page.locator(CURRENT_WEEK).inner_text()
        assert page.locator(NEXT_WEEK).count() == 1, "no free slot in any open week"
        page.locator(NEXT_WEEK).click()
        page.wait_for_function(
            "([selector, before]) => {"
            " const el = document.querySelector(selector);"
            " return el && el.innerText !== before; }",
            arg=[CURRENT_WEEK, before],
        )
    assert page.locator(SLOT_LINKS).count(), "no free slot in any open week"


def slot_hrefs(page) -> list[str]:
    return page.locator(SLOT_LINKS).evaluate_all("els => els.map(e => e.getAttribute('href'))")


def slot_id_of(href: str) -> int:
    match = re.fullmatch(r"/offices/[\w-]+/book/(\d+)/", href)
    assert match, href
    return int(match.group(1))


def fix_eligibility(page, slug: str, *, postal_code: str, job_seeker_number: str = "") -> None:
    """From the office page: fill in the profile and the environment checklist through the
    links of the refusals (the profile from its own page when it is complete already, as
    the demo citizen's is), and come back to the office page each time."""
    office_path = f"/offices/{slug}/"
    page.goto(office_path)
    assert_accessible(page)
    assert page.locator(REFUSALS).count() >= 1
    assert page.locator(f"{ELIGIBILITY} .notice--success").count() == 0

    # Profile: the reading in hiragana, the phone in full-width digits and dash.
    profile_links = page.locator(f"{REFUSALS} a[href^='/me/profile/']")
    if profile_links.count():
        profile_links.first.click()
    else:
        page.goto(f"/me/profile/?next={office_path}")
    wait_for_path(page, "/me/profile/")
    assert parse_qs(urlparse(page.url).query)["next"] == [office_path]
    assert_accessible(page)
    page.locator("#id_family_name").fill("山田")
    page.locator("#id_given_name").fill("花子")
    page.locator("#id_family_name_kana").fill("やまだ")
    page.locator("#id_given_name_kana").fill("はなこ")
    page.locator("#id_phone").fill("")
    page.locator("#id_phone").press_sequentially(FULL_WIDTH_PHONE)
    page.locator("#id_postal_code").fill(postal_code)
    page.locator("#id_job_seeker_number").fill(job_seeker_number)
    submit_and_expect(page, office_path)

    # The profile page shows what was stored, normalised.
    page.goto("/me/profile/")
    assert page.locator("#id_family_name_kana").input_value() == "ヤマダ"
    assert page.locator("#id_given_name_kana").input_value() == "ハナコ"
    assert page.locator("#id_phone").input_value() == "090-1234-5678"
    assert_accessible(page)

    page.goto(office_path)
    assert page.locator(f"{REFUSALS} a[href^='/me/profile/']").count() == 0
    page.locator(f"{REFUSALS} a[href^='/me/environment/']").click()
    wait_for_path(page, "/me/environment/")
    assert_accessible(page)
    boxes = page.locator("main form input[type=checkbox]")
    assert boxes.count() == 6
    for i in range(boxes.count()):
        boxes.nth(i).check()
    submit_and_expect(page, office_path)

    # Eligible now.
    assert page.locator(REFUSALS).count() == 0
    assert page.locator(f"{ELIGIBILITY} .notice--success").is_visible()
    assert_accessible(page)


def check_profile(email: str, *, postal_code: str, municipality_code: str, jsn: str) -> None:
    profile = Profile.objects.get(user__email=email)
    assert profile.family_name == "山田"
    assert profile.given_name == "花子"
    assert profile.family_name_kana == "ヤマダ"
    assert profile.given_name_kana == "ハナコ"
    assert profile.phone.as_national == "090-1234-5678"
    assert profile.postal_code == postal_code
    assert profile.municipality_code == municipality_code
    assert profile.job_seeker_number == jsn
    assert profile.environment_confirmed_at is not None


def versions_in_force(slug: str) -> list[TermsVersion]:
    from terms.selectors import version_in_force

    office = Office.objects.get(slug=slug)
    versions = [version_in_force(d) for d in office.terms_documents.filter(retired_at__isnull=True)]
    return cast(list[TermsVersion], versions)  # the demo offices' documents are all in force


def check_booking_form_prefilled(page, *, jsn: str) -> None:
    assert page.locator("#id_full_name").input_value() == "山田 花子"
    assert page.locator("#id_full_name_kana").input_value() == "ヤマダ ハナコ"
    assert page.locator("#id_job_seeker_number").input_value() == jsn


def book_and_land_on_booking(page, email: str, slot_id: int) -> Booking:
    with page.expect_navigation():
        page.locator(SUBMIT).click()
    booking = Booking.objects.filter(user__email=email, slot_id=slot_id).first()
    assert booking is not None, (page.url, form_errors(page))
    assert path_of(page.url) == f"/me/bookings/{booking.pk}/"
    assert_accessible(page)
    return booking


def cancel_from_my_page(page, booking: Booking) -> None:
    page.locator("header a[href='/me/']").click()
    wait_for_path(page, "/me/")
    assert_accessible(page)
    cancel_link = page.locator(f"main a[href='/me/bookings/{booking.pk}/cancel/']")
    assert cancel_link.count() == 1
    cancel_link.click()
    wait_for_path(page, f"/me/bookings/{booking.pk}/cancel/")
    assert_accessible(page)
    submit_and_expect(page, "/me/")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancelled_at is not None
    assert page.locator(f"main a[href='/me/bookings/{booking.pk}/cancel/']").count() == 0
    assert_accessible(page)


# --- one test per demo office -----------------------------------------------------------------


def test_tomakomai_re_consents_to_version_2_then_books_and_cancels(page):
    call_command("seed_demo")
    email = "citizen@example.jp"
    sign_in(page, email)

    fix_eligibility(page, "tomakomai", postal_code="053-0000", job_seeker_number="12345-6789012")
    check_profile(email, postal_code="0530000", municipality_code="01213", jsn="12345-6789012")

    # The user agreed to version 1 only: applying sends them to the terms first.
    show_week_with_slots(page)
    slot_link = page.locator(SLOT_LINKS).first
    book_path = slot_link.get_attribute("href")
    slot_id = slot_id_of(book_path)
    slot_link.click()
    wait_for_path(page, "/offices/tomakomai/terms/")
    assert parse_qs(urlparse(page.url).query)["next"] == [book_path]
    assert_accessible(page)

    (v2,) = versions_in_force("tomakomai")
    assert v2.number == 2
    consent_form = page.locator("form.consent-form").filter(
        has=page.locator(f"input[name=version][value='{v2.pk}']")
    )
    assert consent_form.count() == 1
    consent_form.locator("input[type=checkbox][name=agree]").check()
    with page.expect_navigation():
        consent_form.locator("button[type=submit]").click()
    assert path_of(page.url) == book_path, (page.url, form_errors(page))

    consent = Consent.objects.get(user__email=email, version=v2)
    assert consent.method == Consent.Method.EXPLICIT
    assert consent.ip_address == "127.0.0.1"

    # Back on the booking form: nothing left to agree to there.
    assert page.locator("main form input[name^=agree_]").count() == 0
    check_booking_form_prefilled(page, jsn="12345-6789012")
    assert_accessible(page)

    booking = book_and_land_on_booking(page, email, slot_id)
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.full_name == "山田 花子"
    assert booking.full_name_kana == "ヤマダ ハナコ"
    assert booking.job_seeker_number == "12345-6789012"
    assert booking.phone.as_national == "090-1234-5678"
    assert not booking.interpreter_attending
    assert not Consent.objects.filter(
        user__email=email, method=Consent.Method.DEEMED_BY_BOOKING
    ).exists()

    cancel_from_my_page(page, booking)


def test_itami_applies_with_an_interpreter_and_deemed_consent_then_cancels(page):
    call_command("seed_demo")
    email = "itami.jobseeker@example.jp"
    sign_in(page, email)

    fix_eligibility(page, "itami", postal_code="664-0000", job_seeker_number="12345-6789012")
    check_profile(email, postal_code="6640000", municipality_code="28207", jsn="12345-6789012")

    show_week_with_slots(page)
    slot_link = page.locator(SLOT_LINKS).first
    book_path = slot_link.get_attribute("href")
    slot_id = slot_id_of(book_path)
    slot_link.click()
    # Never agreed before: no detour to the terms, the form asks for consent itself.
    wait_for_path(page, book_path)

    versions = versions_in_force("itami")
    assert len(versions) == 2
    boxes = page.locator("main form input[type=checkbox][name^=agree_]")
    assert sorted(boxes.evaluate_all("els => els.map(e => e.name)")) == sorted(
        f"agree_{v.pk}" for v in versions
    )
    for i in range(boxes.count()):
        assert boxes.nth(i).get_attribute("required") is not None
    # Each version can be read from the form.
    for v in versions:
        href = f"/offices/itami/terms/{v.document.slug}/v{v.number}/"
        assert page.locator(f"main form a[href='{href}']").count() == 1
    check_booking_form_prefilled(page, jsn="12345-6789012")
    assert_accessible(page)

    page.locator("#id_interpreter_attending").check()
    page.locator("#id_interpreter_note").fill("ポルトガル語の通訳者が同席します。")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    assert_accessible(page)

    booking = book_and_land_on_booking(page, email, slot_id)
    assert booking.status == Booking.Status.REQUESTED  # the counsellor confirms
    assert booking.interpreter_attending
    assert booking.interpreter_note == "ポルトガル語の通訳者が同席します。"
    assert booking.job_seeker_number == "12345-6789012"
    assert booking.phone.as_national == "090-1234-5678"
    consents = Consent.objects.filter(user__email=email)
    assert {c.version_id for c in consents} == {v.pk for v in versions}
    assert {c.method for c in consents} == {Consent.Method.DEEMED_BY_BOOKING}

    cancel_from_my_page(page, booking)


def test_tachikawa_books_by_keyboard_with_deemed_consent_then_cancels(page):
    call_command("seed_demo")
    email = "tachikawa.parent@example.jp"
    sign_in(page, email)

    fix_eligibility(page, "tachikawa", postal_code="190-0000")
    check_profile(email, postal_code="1900000", municipality_code="13202", jsn="")

    # Keyboard only: from the week navigation, Tab reaches the first slot, Enter follows it.
    show_week_with_slots(page)
    first_slot = page.locator(SLOT_LINKS).first
    book_path = first_slot.get_attribute("href")
    slot_id = slot_id_of(book_path)
    page.locator("#slots nav.date-switch a").last.focus()
    page.keyboard.press("Tab")
    assert first_slot.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    wait_for_path(page, book_path)

    (version,) = versions_in_force("tachikawa")
    box = page.locator(f"main form input[type=checkbox][name=agree_{version.pk}]")
    assert box.count() == 1
    assert box.get_attribute("required") is not None
    check_booking_form_prefilled(page, jsn="")
    assert_accessible(page)

    # Applying without ticking the consent box is refused, and nothing is written.
    with page.expect_navigation():
        page.locator(SUBMIT).click()
    assert path_of(page.url) == book_path
    assert page.locator(f"#id_agree_{version.pk}_error").count() == 1
    assert not Booking.objects.filter(user__email=email).exists()
    assert not Consent.objects.filter(user__email=email).exists()
    assert_accessible(page)

    box.check()
    booking = book_and_land_on_booking(page, email, slot_id)
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.full_name_kana == "ヤマダ ハナコ"
    assert booking.phone.as_national == "090-1234-5678"
    consent = Consent.objects.get(user__email=email)
    assert consent.version == version
    assert consent.method == Consent.Method.DEEMED_BY_BOOKING

    cancel_from_my_page(page, booking)


# --- the week switch, with and without JavaScript ----------------------------------------------


def test_week_switch_swaps_the_slot_list_with_htmx_and_works_without_javascript(
    page, chromium, live_server
):
    call_command("seed_demo")
    office_path = "/offices/tomakomai/"
    page.goto(office_path)
    page.wait_for_function("() => window.htmx !== undefined")
    assert page.locator(NEXT_WEEK).count() == 1
    next_href = page.locator(NEXT_WEEK).get_attribute("href")
    assert re.fullmatch(r"\?week=\d{4}-\d{2}-\d{2}", next_href)
    assert page.locator(NEXT_WEEK).get_attribute("hx-get") == next_href
    first_week = page.locator(CURRENT_WEEK).inner_text()
    first_slots = page.locator("#slots").inner_html()

    # A marker on the window survives only if the page is not loaded again.
    page.evaluate("() => { window.__sameDocument = true; }")
    with page.expect_request(lambda r: "week=" in r.url) as request:
        page.locator(NEXT_WEEK).click()
    assert request.value.headers.get("hx-request") == "true"
    page.wait_for_url(lambda url: urlparse(url).query == next_href[1:])
    page.wait_for_function(
        "before => document.querySelector('#slots .date-switch__current').innerText !== before",
        arg=first_week,
    )
    assert page.evaluate("() => window.__sameDocument === true")
    assert path_of(page.url) == office_path
    # Keyboard users stay oriented: focus moves to the new week, which is announced.
    page.wait_for_function(
        "() => document.activeElement && "
        "document.activeElement.classList.contains('date-switch__current')"
    )
    assert page.locator("#slots-status").inner_text() == page.locator(CURRENT_WEEK).inner_text()
    second_week = page.locator(CURRENT_WEEK).inner_text()
    assert page.locator("#slots").inner_html() != first_slots
    assert page.locator("#slots").count() == 1
    # The swapped list links back to the first week, and its slots are bookable links.
    assert page.locator("#slots nav.date-switch a").count() >= 1
    # (Possibly none: a week can be all holidays, e.g. the year-end closure.)
    second_slots = slot_hrefs(page)
    for href in second_slots:
        slot = Slot.objects.get(pk=slot_id_of(href))
        assert slot.office.slug == "tomakomai"
        assert timezone.localtime(slot.starts_at).date() >= dt.date.fromisoformat(
            next_href.split("=", 1)[1]
        )
    assert_accessible(page)

    # Without JavaScript the same link is a plain link to the same week.
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
        plain.goto(office_path)
        assert plain.locator(CURRENT_WEEK).inner_text() == first_week
        assert plain.locator(NEXT_WEEK).get_attribute("href") == next_href
        with plain.expect_navigation():
            plain.locator(NEXT_WEEK).click()
        assert path_of(plain.url) == office_path
        assert urlparse(plain.url).query == next_href[1:]
        assert plain.locator(CURRENT_WEEK).inner_text() == second_week
        # A whole page, not a fragment.
        assert plain.locator("main h1").count() == 1
        assert slot_hrefs(plain) == second_slots
    finally:
        context.close()
