"""Settings come from the environment and fail loudly on a bad value."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "consult.example.jp",
    "DATABASE_URL": "sqlite:///" + str(ROOT / "var" / "deploy-check.sqlite3"),
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.jp:587",
    "PASSCODE_KEYS": "7hIxyBg0Q4bJ3GkqxW4vJ0U0yqQ9m8vj6fCz9sT6V2o=",
}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_production_values():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "perhaps", "DEBUG must be true or false"),
        ("SECRET_KEY", "", "SECRET_KEY is required when DEBUG is off"),
        ("DATABASE_URL", "nosuchdb://somewhere/x", "nosuchdb"),
        ("CONN_MAX_AGE", "sixty", "CONN_MAX_AGE must be a whole number"),
        ("SECURE_HSTS_SECONDS", "-5", "SECURE_HSTS_SECONDS must be at least 0"),
        ("EMAIL_URL", "pigeon://coop", "EMAIL_URL is not a valid e-mail URL"),
        ("PASSCODE_KEYS", "not-a-key", "PASSCODE_KEYS must be Fernet keys"),
    ],
)
def test_a_bad_value_stops_the_start(name, value, message):
    result = run_manage("check", **{**PRODUCTION, name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_debug_runs_without_a_secret_key():
    result = run_manage("check", DEBUG="true", SECRET_KEY="")
    assert result.returncode == 0, result.stderr


def test_production_settings_are_hardened(settings):
    """Values the test process itself runs with (DEBUG off)."""
    assert settings.LANGUAGE_CODE == "ja"
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert settings.USE_TZ
    # The tests themselves hash with a cheap hasher (tests/conftest.py): read the portal's.
    from portal import settings as portal_settings

    assert portal_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SECURE_HSTS_SECONDS >= 31_536_000
    assert "'self'" in settings.SECURE_CSP["script-src"]


def test_check_deploy_warns_without_passcode_keys():
    env = {k: v for k, v in PRODUCTION.items() if k != "PASSCODE_KEYS"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    assert "portal.W001" in result.stderr + result.stdout
