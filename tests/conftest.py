"""Shared fixtures, and the rule for tests that need real services.

Tests marked `postgres`, `redis` or `browser` need PostgreSQL, Redis or Debian's Chromium.
On a newcomer's machine without them those tests are skipped with one line saying how to
run them; on CI (CI=true) a missing service fails the whole run instead.
"""

import os
import shutil
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.cache import cache

if TYPE_CHECKING:
    from accounts.models import User

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ON_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
HOW_TO_RUN = (
    "run `bash .ci/run`, or set DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal "
    "REDIS_URL=redis://127.0.0.1:6379/1 and install Debian's chromium"
)


def _redis_answers() -> bool:
    if not settings.REDIS_URL:
        return False
    url = urlparse(settings.REDIS_URL)
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), 2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _services() -> dict[str, tuple[bool, str]]:
    engine = settings.DATABASES["default"]["ENGINE"]
    return {
        "postgres": (engine.endswith("postgresql"), "needs PostgreSQL as DATABASE_URL"),
        "redis": (_redis_answers(), "needs a running Redis as REDIS_URL"),
        "browser": (os.path.exists(CHROMIUM), f"needs Chromium at {CHROMIUM}"),
    }


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    services = _services()
    if ON_CI:
        missing = [why for ok, why in services.values() if not ok]
        if missing:
            pytest.exit("CI=true but the suite " + "; ".join(missing), returncode=3)
        return
    for item in items:
        for name, (ok, why) in services.items():
            if not ok and item.get_closest_marker(name):
                item.add_marker(pytest.mark.skip(reason=f"{why}: {HOW_TO_RUN}"))
                break


def pytest_sessionstart(session: pytest.Session) -> None:
    """The axe checks of this run only: the browser tests append to the file, and `make
    test` turns it into the accessibility policy's results after the run."""
    from portal.accessibility import RECORDS_FILE

    RECORDS_FILE.unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate limits live in the cache: every test starts from an empty one (and from no
    usage records buffered by an earlier test's requests)."""
    from accounts import usage

    usage.discard_buffered()
    cache.clear()


@pytest.fixture(autouse=True)
def _notice_jobs_run_when_enqueued(request: pytest.FixtureRequest, monkeypatch) -> None:
    """The outbox's job (accounts.outbox) is enqueued after commit for a worker. In tests
    that run no worker, it runs in the test process when it is enqueued, as a worker would
    run it (the claim, the send, the record): a test reads the notice in `mail.outbox`
    after the commit. A test of the real path (a broker, a worker, a sweep) asks for the
    fixture `real_notice_jobs`."""
    if "real_notice_jobs" in request.fixturenames:
        return
    from accounts import outbox

    real = outbox.send_message_notices_task

    class RunWhenEnqueued:
        name = real.name

        @staticmethod
        def apply_async(args=(), kwargs=None, **options):
            outbox.send_message_notices(message_ids=list(args[0]))

    monkeypatch.setattr(outbox, "send_message_notices_task", RunWhenEnqueued)


@pytest.fixture
def real_notice_jobs() -> None:
    """The outbox's jobs go to the broker as in production (see above)."""


@pytest.fixture
def make_user(django_user_model: "type[User]") -> Callable[..., "User"]:
    """A factory: make_user("alice@example.jp") makes a verified user who can sign in."""
    from allauth.account.models import EmailAddress

    def make(email: str = "alice@example.jp", password: str = "correct-horse-9", **extra):
        user = django_user_model.objects.create_user(email=email, password=password, **extra)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    return make


# The cast, as in healthchecks' tests: alice and bob are people of the module's `office`
# (eligible to book there), charlie is an outsider of another office. `counsellor` works at
# the module's `office`. A module defines its own `office` fixture with the rules it tests.


@pytest.fixture
def counsellor(office):
    from tests.factories import make_counsellor

    return make_counsellor(office)


@pytest.fixture
def alice(make_user, office):
    from tests.factories import make_eligible

    return make_eligible(make_user("alice@example.jp"), office)


@pytest.fixture
def bob(make_user, office):
    from tests.factories import make_eligible

    return make_eligible(make_user("bob@example.jp"), office)


@pytest.fixture
def charlie(make_user):
    from tests.factories import make_eligible, make_office_with_terms

    return make_eligible(make_user("charlie@example.jp"), make_office_with_terms())


@pytest.fixture
def english_client(client):
    """The test client reading pages in English, so assertions read the English wording."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def freeze():
    """A factory: freeze(moment, language="en") stops the clock at `moment` (and switches
    the active language) until the test ends."""
    from contextlib import ExitStack

    import time_machine
    from django.utils import translation

    with ExitStack() as stack:

        def start(moment, *, language: str | None = None) -> None:
            stack.enter_context(time_machine.travel(moment, tick=False))
            if language:
                stack.enter_context(translation.override(language))

        yield start


# Tests run with DEBUG off, as production does, but without `collectstatic`: static files
# come from the finders (the live server serves them too) instead of the hashed manifest.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Jobs enqueued by tests go to a queue of their own, never to the "celery" queue that a
# developer's `make run` worker consumes (with its own database).
from portal.celery import app as celery_app  # noqa: E402

celery_app.conf.task_default_queue = "tests-unconsumed"

# Passwords are hashed with argon2 in the portal (portal/settings.py, checked by
# test_settings); in tests a cheap hasher keeps thousands of made-up users fast.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests speak plain HTTP to the test client and the live server.
settings.SECURE_SSL_REDIRECT = False
settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser context (no cookies) with a Japanese phone-sized screen."""
    context = chromium.new_context(
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport={"width": 390, "height": 844},
        base_url=live_server.url,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


# pytest-django's `admin_client`, signed in with a second factor as staff must be.
from tests.support.staff import admin_client  # noqa: E402, F401
