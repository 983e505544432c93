"""Playwright driving Debian's Chromium (never a downloaded browser), and axe-core."""

import datetime as dt
import json
import time
from urllib.parse import urlparse

import time_machine
from allauth.mfa import app_settings as mfa_settings
from axe_playwright_python.sync_playwright import Axe

from portal import accessibility
from tests.support.staff import totp_code

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
_axe = Axe()


def assert_accessible(page) -> None:
    """axe-core finds no WCAG 2.2 A/AA violation on the page as it is now."""
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    record_check(page, results.response)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def _real_now() -> dt.datetime:
    if time_machine.escape_hatch.is_travelling():
        return time_machine.escape_hatch.datetime.datetime.now(dt.UTC)
    return dt.datetime.now(dt.UTC)


def record_check(page, response: dict) -> None:
    """One line for the accessibility policy's test results (portal/accessibility.py): the
    page's URL pattern and language, the rule set, axe's version, when, how many
    violations. The real date even where a test has stopped the clock."""
    record = {
        "path": accessibility.path_pattern(page.url),
        "language": page.locator("html").get_attribute("lang") or "",
        "tags": WCAG_TAGS,
        "axe_version": response["testEngine"]["version"],
        "checked_at": _real_now().isoformat(),
        "violations": len(response["violations"]),
    }
    accessibility.RECORDS_FILE.parent.mkdir(parents=True, exist_ok=True)
    with accessibility.RECORDS_FILE.open("a", encoding="utf-8") as records:
        records.write(json.dumps(record) + "\n")


def enter_totp_code(page, secret: str) -> None:
    """The second step of a staff sign-in (allauth's /accounts/2fa/authenticate/): the code
    an authenticator app shows for `secret`. The server's clock restarts at the beginning
    of the current 30-second step while the code is typed and checked, so the code cannot
    expire between computing and checking it."""
    page.wait_for_url("**/accounts/2fa/authenticate/")
    period = mfa_settings.TOTP_PERIOD
    with time_machine.travel(int(time.time()) // period * period, tick=True):
        page.get_by_placeholder("コード").fill(totp_code(secret))
        page.get_by_role("button", name="ログイン", exact=True).click()
        page.wait_for_url(lambda url: "/accounts/2fa/authenticate/" not in url)


def sign_in_staff(page, email: str, password: str, secret: str, next_url: str = "/admin/"):
    """Sign a staff member in as they do: password, then the TOTP code; lands under next_url."""
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード（必須）", exact=True).fill(password)
    page.get_by_role("button", name="ログイン", exact=True).click()
    enter_totp_code(page, secret)
    # The admin may open on a start page of its own (the counsellor's day).
    page.wait_for_url(lambda url: urlparse(url).path.startswith(next_url))
