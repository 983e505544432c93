"""In a browser, with a real worker: accounts an office issues, and immediate consultations.

Tachikawa: the centre issues a user ID and a one-time password; the person signs in with
them, must choose a password of their own first, books, sees the access code of the
counsellor's fixed room and joins. A reissue makes the old ID and password stop working.

Tomakomai: a counsellor starts an immediate consultation for a person whose consent is to
an older version of the terms; the access code appears only after they agree again.

UI text may be Japanese or English: elements are found by id, name, structure and URL, and
outcomes are checked in the database.
"""

import datetime as dt
import re
from urllib.parse import urlparse

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Profile, SignIn
from bookings.models import Booking, Counsellor, IssuedAccount, Office, Room, Slot
from bookings.services import issue_account, reissue_account, start_immediate_consultation
from portal import crypto
from terms.models import Consent, TermsVersion
from tests.support.browser import assert_accessible
from tests.support.worker import celery_worker

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

User = get_user_model()
DEMO_PASSWORD = "demo-pass-2026"
ISSUED_SIGN_IN = "/accounts/issued/login/"
PASSWORD_CHANGE = "/accounts/password/change/"
ACCESS_CODE = "section.access-code"


# --- helpers ---------------------------------------------------------------------------------


def path_of(url: str) -> str:
    return urlparse(url).path


def form_errors(page) -> list[str]:
    return page.locator("main .errorlist li, main .notice--error").all_inner_texts()


def fresh_page(chromium, live_server):
    """Another browser context, without the cookies of the `page` fixture's."""
    context = chromium.new_context(
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport={"width": 390, "height": 844},
        base_url=live_server.url,
    )
    context.set_default_timeout(15_000)
    return context, context.new_page()


def is_signed_in(page) -> bool:
    return page.locator("header a[href='/accounts/logout/']").count() == 1


def sign_in_with_issued_id(page, login_id: str, password: str) -> None:
    page.goto(ISSUED_SIGN_IN)
    page.locator("#id_login_id").fill(login_id)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def change_initial_password(page, old: str, new: str) -> None:
    """On the password change page the middleware sent us to: choose our own password."""
    assert path_of(page.url) == PASSWORD_CHANGE, (page.url, form_errors(page))
    page.locator("main form input[name=oldpassword]").fill(old)
    page.locator("main form input[name=password1]").fill(new)
    page.locator("main form input[name=password2]").fill(new)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert not form_errors(page), form_errors(page)


def sign_in_with_email(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("メールアドレス（必須）").fill(email)
    page.get_by_label("パスワード（必須）", exact=True).fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(lambda url: not path_of(url).startswith("/accounts/login/"))
    assert is_signed_in(page)


def wait_for_passcode(page, booking_path: str, timeout_s: int = 30) -> None:
    """Reload the booking page until its access code section lists the meeting ID and
    passcode (the worker issues the room in the background)."""
    for _attempt in range(timeout_s):
        page.goto(booking_path)
        if page.locator(f"{ACCESS_CODE} dl").count():
            return
        page.wait_for_timeout(1000)
    raise AssertionError(f"no access code on {booking_path} after {timeout_s}s")


def fill_tachikawa_profile(user) -> None:
    Profile.objects.update_or_create(
        user=user,
        defaults={
            "family_name": "立川",
            "given_name": "次郎",
            "family_name_kana": "タチカワ",
            "given_name_kana": "ジロウ",
            "phone": "042-000-5678",
            "postal_code": "1900000",
            "municipality_code": "13202",
            "municipality_name": "東京都立川市",
            "environment_confirmed_at": timezone.now(),
        },
    )


# --- Tachikawa: an issued account ------------------------------------------------------------


def test_tachikawa_issued_account_changes_password_books_joins_and_reissue_stops_old_id(
    page, chromium, live_server
):
    call_command("seed_demo")
    office = Office.objects.get(slug="tachikawa")
    admin = User.objects.get(email="admin@example.jp")
    letter = issue_account(office=office, actor=admin)
    user = User.objects.get(login_id=letter.login_id)
    assert user.must_change_password
    fill_tachikawa_profile(user)

    # Sign in with the letter's user ID and initial password.
    page.goto(ISSUED_SIGN_IN)
    assert_accessible(page)
    sign_in_with_issued_id(page, letter.login_id, letter.password)
    # The initial password must be changed before anything else.
    assert path_of(page.url) == PASSWORD_CHANGE, (page.url, form_errors(page))
    assert is_signed_in(page)
    assert_accessible(page)
    page.goto("/offices/tachikawa/")
    assert path_of(page.url) == PASSWORD_CHANGE
    page.goto("/me/")
    assert path_of(page.url) == PASSWORD_CHANGE

    own_password = "Tachikawa-sora-2026"
    change_initial_password(page, letter.password, own_password)
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.check_password(own_password)
    assert SignIn.objects.filter(user=user, method="login_id").count() == 1

    # Free to browse now.
    page.goto("/me/")
    assert path_of(page.url) == "/me/"
    assert is_signed_in(page)

    # Book the first free slot; the worker issues the room (the counsellor's fixed room).
    with celery_worker():
        page.goto("/offices/tachikawa/")
        assert path_of(page.url) == "/offices/tachikawa/"
        slot_link = page.locator("a.slot").first
        book_path = slot_link.get_attribute("href")
        slot_id = int(re.fullmatch(r"/offices/tachikawa/book/(\d+)/", book_path).group(1))
        slot_link.click()
        page.wait_for_url(lambda url: path_of(url) == book_path)
        for box in page.locator("input[name^=agree_]").all():
            box.check()
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        booking = Booking.objects.filter(user=user, slot_id=slot_id).first()
        assert booking is not None, (page.url, form_errors(page))
        booking_path = f"/me/bookings/{booking.pk}/"
        assert path_of(page.url) == booking_path
        assert booking.status == Booking.Status.CONFIRMED
        assert Consent.objects.filter(user=user, method=Consent.Method.DEEMED_BY_BOOKING).exists()

        wait_for_passcode(page, booking_path)

    room = Room.objects.get(booking=booking, invalidated_at__isnull=True)
    assert room.provider == "fixed"
    passcode = crypto.decrypt(room.passcode_encrypted)
    section = page.locator(ACCESS_CODE)
    assert section.get_by_text(room.meeting_id, exact=True).is_visible()
    assert section.get_by_text(passcode, exact=True).is_visible()
    assert_accessible(page)

    # Join: the portal records the join, then redirects to the meeting itself (an external
    # site: the redirect is caught here and the meeting answered with a stand-in page).
    assert booking.joined_at is None
    # Tachikawa asks for the consultation ID (面接・相談ID) of the letter before the join.
    with page.expect_navigation():
        page.locator("a[href$='/join/']").click()
    assert path_of(page.url) == f"{booking_path}consultation-id/"
    assert_accessible(page)
    page.locator("main form input[name=consultation_id]").fill(letter.consultation_id)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert path_of(page.url) == booking_path, (page.url, form_errors(page))
    join = page.locator("a[href$='/join/']")
    join_path = f"{booking_path}join/"
    assert join.get_attribute("href") == join_path
    redirects = []

    def answer_join(route):
        response = route.fetch(max_redirects=0)
        redirects.append((response.status, response.headers))
        route.fulfill(status=200, content_type="text/plain", body="meeting")

    page.route(f"**{join_path}", answer_join)
    with page.expect_navigation():
        join.click()
    page.unroute(f"**{join_path}")
    assert path_of(page.url) == join_path
    assert page.locator("body").inner_text() == "meeting"
    ((status, headers),) = redirects
    assert status == 302
    assert headers["location"] == room.join_url
    assert "no-store" in headers["cache-control"]
    booking.refresh_from_db()
    assert booking.joined_at is not None

    # The office reissues the account (a lost ID): the old ID and passwords stop working.
    issued = IssuedAccount.objects.get(office=office, user=user, revoked_at__isnull=True)
    new_letter = reissue_account(issued=issued, actor=admin)
    assert new_letter.login_id != letter.login_id
    sign_ins_before = SignIn.objects.filter(user=user).count()

    # The browser that was signed in is signed out everywhere.
    page.goto("/me/")
    assert path_of(page.url) != "/me/"
    assert not is_signed_in(page)

    context, other = fresh_page(chromium, live_server)
    try:
        for old_password in (letter.password, own_password):
            sign_in_with_issued_id(other, letter.login_id, old_password)
            assert path_of(other.url) == ISSUED_SIGN_IN
            assert other.locator("main .notice--error[role=alert]").is_visible()
            assert not is_signed_in(other)
        assert_accessible(other)
        other.goto("/me/")
        assert path_of(other.url) != "/me/"
        assert SignIn.objects.filter(user=user).count() == sign_ins_before

        # The new letter works, and again asks for a password of one's own first.
        sign_in_with_issued_id(other, new_letter.login_id, new_letter.password)
        assert path_of(other.url) == PASSWORD_CHANGE, (other.url, form_errors(other))
        assert is_signed_in(other)
        user.refresh_from_db()
        assert user.must_change_password
        other.goto(booking_path)
        assert path_of(other.url) == PASSWORD_CHANGE
        change_initial_password(other, new_letter.password, "Tachikawa-kaze-2027")
        user.refresh_from_db()
        assert not user.must_change_password
        other.goto(booking_path)
        assert path_of(other.url) == booking_path
        assert SignIn.objects.filter(user=user, method="login_id").count() == 2
    finally:
        context.close()


# --- Tomakomai: an immediate consultation after re-consent -------------------------------------


def test_tomakomai_immediate_consultation_shows_the_access_code_after_re_consent(page):
    call_command("seed_demo")
    citizen = User.objects.get(email="citizen@example.jp")
    Profile.objects.filter(user=citizen).update(phone="0144-00-1234")
    counsellor = Counsellor.objects.get(office__slug="tomakomai")
    office = counsellor.office
    assert office.meeting_provider == Office.MeetingProvider.JITSI
    v2 = TermsVersion.objects.get(document__slug="tomakomai-job-consultation", number=2)
    assert not Consent.objects.filter(user=citizen, version=v2).exists()

    # Free the counsellor's time now (a regular slot may be running when the test runs).
    now = timezone.now()
    Slot.objects.filter(
        counsellor=counsellor,
        starts_at__lt=now + dt.timedelta(minutes=office.slot_minutes + 1),
        ends_at__gt=now - dt.timedelta(minutes=1),
    ).update(cancelled_at=now)

    with celery_worker():
        booking = start_immediate_consultation(counsellor=counsellor, user=citizen)
        assert booking.status == Booking.Status.CONFIRMED
        assert booking.is_immediate
        booking_path = f"/me/bookings/{booking.pk}/"

        sign_in_with_email(page, citizen.email)
        page.goto("/me/")
        banner = page.locator(f"section[aria-labelledby='immediate-{booking.pk}']")
        assert banner.is_visible()
        terms_link = banner.locator(f"a[href='/offices/tomakomai/terms/?next={booking_path}']")
        assert terms_link.count() == 1
        assert banner.locator(f"a[href='{booking_path}']").count() == 0
        assert_accessible(page)

        # The booking page withholds the access code until the new terms are agreed to
        # (once the worker has issued the room, it asks for the consent instead).
        for _attempt in range(30):
            if Room.objects.filter(booking=booking, invalidated_at__isnull=True).exists():
                break
            page.wait_for_timeout(1000)
        room = Room.objects.get(booking=booking, invalidated_at__isnull=True)
        passcode = crypto.decrypt(room.passcode_encrypted)
        page.goto(booking_path)
        section = page.locator(ACCESS_CODE)
        assert section.is_visible()
        assert section.locator("dl").count() == 0
        assert page.get_by_text(passcode).count() == 0
        assert page.get_by_text(room.meeting_id).count() == 0
        assert page.locator("a[href$='/join/']").count() == 0
        assert section.locator("a[href^='/offices/tomakomai/terms/?next=']").count() == 1
        assert_accessible(page)

        # From My Page's banner to the terms; agree to version 2.
        page.goto("/me/")
        page.locator(
            f"section[aria-labelledby='immediate-{booking.pk}'] "
            f"a[href='/offices/tomakomai/terms/?next={booking_path}']"
        ).click()
        page.wait_for_url(lambda url: path_of(url) == "/offices/tomakomai/terms/")
        assert_accessible(page)
        consent_form = page.locator("form.consent-form").filter(
            has=page.locator(f"input[name=version][value='{v2.pk}']")
        )
        assert consent_form.count() == 1
        assert consent_form.locator("input[name=next]").input_value() == booking_path
        consent_form.locator("input[type=checkbox][name=agree]").check()
        with page.expect_navigation():
            consent_form.locator("button[type=submit]").click()
        assert path_of(page.url) == booking_path, (page.url, form_errors(page))

        consent = Consent.objects.get(user=citizen, version=v2)
        assert consent.method == Consent.Method.RECONSENT_IMMEDIATE

        # Back on the booking page, the meeting ID and passcode are shown now.
        if not page.locator(f"{ACCESS_CODE} dl").count():
            wait_for_passcode(page, booking_path)
        section = page.locator(ACCESS_CODE)
        assert section.get_by_text(room.meeting_id, exact=True).is_visible()
        assert section.get_by_text(passcode, exact=True).is_visible()
        assert page.locator("a[href$='/join/']").count() == 1
        assert_accessible(page)

        # My Page's banner now opens the consultation directly.
        page.goto("/me/")
        banner = page.locator(f"section[aria-labelledby='immediate-{booking.pk}']")
        assert banner.locator(f"a[href='{booking_path}']").count() == 1
        assert banner.locator("a[href^='/offices/tomakomai/terms/']").count() == 0
