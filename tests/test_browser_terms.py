"""A citizen whose consent is outdated reads what changed and agrees again, in a browser."""

import pytest
from django.core.management import call_command

from terms.models import Consent
from tests.support.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email="citizen@example.jp", password="demo-pass-2026"):
    page.goto("/accounts/login/")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード（必須）", exact=True).fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("link", name="ログアウト").wait_for()


def test_re_consent_to_a_revised_version_records_ip_and_user_agent(page):
    call_command("seed_demo")
    sign_in(page)

    page.goto("/offices/tomakomai/terms/")
    assert page.get_by_role(
        "heading", name="マザーズコーナー オンライン職業相談利用規約"
    ).is_visible()
    # The user agreed to version 1; version 2 is in force: the change summary is shown.
    assert page.get_by_text("あなたが第1版に同意した後、利用規約が改定されました").is_visible()
    assert page.get_by_text("令和8年10月1日").first.is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="新旧の違いを行ごとに見る").click()
    assert page.locator("table.diff ins").first.is_visible()
    assert_accessible(page)
    page.go_back()

    page.get_by_role("link", name="第1版", exact=True).click()
    assert page.get_by_text("これは施行中の版ではありません").is_visible()
    assert_accessible(page)
    page.go_back()

    # Consent is deliberate: the button under the full text does nothing without the box.
    page.get_by_label("この利用規約の第2版を読み、同意します。").check()
    page.get_by_role("button", name="同意する").click()
    assert page.get_by_text("第2版に同意しました").is_visible()
    assert_accessible(page)

    consent = Consent.objects.get(user__email="citizen@example.jp", version__number=2)
    assert consent.method == Consent.Method.EXPLICIT
    assert consent.ip_address == "127.0.0.1"
    assert "Chrome" in consent.user_agent

    page.get_by_role("link", name="マイページ").click()
    assert page.get_by_role("link", name="第2版").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="メッセージボックス").first.click()
    assert_accessible(page)
