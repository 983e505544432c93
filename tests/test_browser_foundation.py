"""A person on a phone: opens the portal, switches language, signs up and signs in."""

import re

import pytest
from django.core import mail
from django.core.management import call_command

from tests.support.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_verify_and_sign_in_in_japanese_and_english(page, settings):
    settings.ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
    call_command("seed_demo")

    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.get_by_role("link", name="ハローワーク伊丹").is_visible()
    assert page.get_by_role("link", name="立川市子ども家庭センター").is_visible()
    assert_accessible(page)

    # Switch to English and back, by keyboard-reachable controls.
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Book an online consultation").is_visible()
    assert page.get_by_role("link", name="Hello Work Itami").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="日本語").click()
    assert page.locator("html").get_attribute("lang") == "ja"

    # Sign up.
    page.get_by_role("link", name="ユーザー登録").click()
    assert_accessible(page)
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    page.get_by_label("パスワード（必須）", exact=True).fill("kiso-no-hanako-42")
    page.get_by_label("パスワード（確認）").fill("kiso-no-hanako-42")
    page.get_by_role("button", name="ユーザー登録").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    assert_accessible(page)

    # Follow the verification link from the e-mail that was sent.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hanako@example.jp"]
    found = re.search(r"https?://\S+/accounts/confirm-email/\S+/", str(message.body))
    assert found is not None
    link = found.group(0)
    page.goto(link)
    assert_accessible(page)
    page.get_by_role("button", name="確認する").click()

    # Signed in after confirming; sign out and in again with the new password.
    page.get_by_role("link", name="ログアウト").click()
    page.get_by_role("button", name="ログアウト").click()
    page.get_by_role("link", name="ログイン").first.click()
    assert_accessible(page)
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    page.get_by_label("パスワード（必須）", exact=True).fill("kiso-no-hanako-42")
    page.get_by_role("button", name="ログイン").click()
    assert page.get_by_role("link", name="ログアウト").is_visible()
    assert_accessible(page)
