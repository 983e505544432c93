"""In a browser: staff open the admin only with a second factor.

A demo counsellor signs in with the password and the code of the demo's TOTP secret and
lands in the admin; a new staff member is sent from the admin to set up an authenticator
app first (allauth's pages), does so with the secret shown on the page, and then works in
the admin without being asked again.
"""

import re
from urllib.parse import urlparse

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command

from bookings.demo.data import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.support.browser import assert_accessible, enter_totp_code, sign_in_staff
from tests.support.staff import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN_HEADING = "オンライン相談予約 — 職員用"  # the admin's site header


def path_of(url: str) -> str:
    return urlparse(url).path


def test_demo_staff_sign_in_with_the_code_of_the_demo_totp_secret(page):
    call_command("seed_demo")
    page.goto("/accounts/login/?next=/admin/")
    page.get_by_label("メールアドレス").fill("counsellor.tomakomai@example.jp")
    page.get_by_label("パスワード（必須）", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    assert_accessible(page)
    page.goto("/admin/")  # not signed in until the code is given: back to the code
    assert path_of(page.url) == "/accounts/2fa/authenticate/"

    enter_totp_code(page, DEMO_TOTP_SECRET)
    assert path_of(page.url).startswith("/admin/")  # their day, the admin's start page
    assert page.get_by_role("link", name=ADMIN_HEADING).is_visible()

    # The helper other browser tests use, for another demo staff member.
    page.context.clear_cookies()
    sign_in_staff(page, "manager.itami@example.jp", DEMO_PASSWORD, DEMO_TOTP_SECRET)
    assert page.get_by_role("link", name=ADMIN_HEADING).is_visible()


def test_a_new_staff_member_sets_up_an_authenticator_app_before_the_admin(page, make_user):
    staff = make_user("new.counsellor@example.jp", "correct-horse-9", is_staff=True)
    page.goto("/accounts/login/?next=/admin/")
    page.get_by_label("メールアドレス").fill(staff.email)
    page.get_by_label("パスワード（必須）", exact=True).fill("correct-horse-9")
    page.get_by_role("button", name="ログイン", exact=True).click()

    # The admin sends them to set up a second factor, and says why.
    page.wait_for_url(re.compile(r"/accounts/2fa/\?next="))
    assert page.get_by_text("認証アプリまたはパスキーを設定してください").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="有効化する").first.click()
    # allauth asks for the password again before a factor is added.
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    page.get_by_label("パスワード").fill("correct-horse-9")
    page.get_by_role("button", name="確認する").click()

    page.wait_for_url("**/accounts/2fa/totp/activate/")
    assert_accessible(page)
    secret = page.get_by_label("認証アプリシークレット").input_value()
    page.get_by_label("認証アプリコード").fill(totp_code(secret))
    page.get_by_role("button", name="有効化する").click()
    page.wait_for_url(lambda url: "/totp/activate/" not in url)
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()

    # Setting it up passed it: the admin opens at once.
    page.goto("/admin/")
    assert path_of(page.url).startswith("/admin/")
    assert page.get_by_role("link", name=ADMIN_HEADING).is_visible()
