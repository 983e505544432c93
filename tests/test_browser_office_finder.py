"""A person on a phone finds the office that serves their area from the postal code of
their address, typed in full-width digits, with the keyboard alone; the results are axe
clean in Japanese and in English."""

import pytest
from django.core.management import call_command

from tests.support.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_full_width_postal_code_finds_tomakomai_by_keyboard(page):
    call_command("seed_demo")
    page.goto("/")
    page.locator("#id_postal_code").focus()
    page.keyboard.type("〒０５３－００２２")
    page.keyboard.press("Enter")  # submits the search form
    page.wait_for_url("**/?postal_code=*")
    assert page.get_by_role(
        "link", name="ハローワークプラザとまこまい マザーズコーナー"
    ).is_visible()
    assert page.get_by_role("link", name="ハローワーク伊丹").count() == 0
    assert page.get_by_text("北海道苫小牧市").is_visible()
    assert_accessible(page)

    page.goto("/?postal_code=abc")  # a mistake is explained beside the field
    assert page.locator("#id_postal_code_error").is_visible()
    assert page.locator("#id_postal_code").get_attribute("aria-invalid") == "true"
    assert_accessible(page)

    page.context.add_cookies(
        [{"name": "django_language", "value": "en", "url": page.url.split("/?")[0] + "/"}]
    )
    page.goto("/?prefecture=28")
    assert page.get_by_role("link", name="Hello Work Itami").is_visible()
    assert page.get_by_label("Prefecture").input_value() == "28"
    assert_accessible(page)
