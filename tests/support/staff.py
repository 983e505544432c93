"""Signing staff in for tests as a real sign-in with a second factor leaves them.

Staff need a second factor before any admin page (accounts.staff_security). A test that
only wants a signed-in staff member calls `sign_in_staff(client, user)`: the user gets a
TOTP authenticator (if they have none) and the client's session records the TOTP step
exactly as allauth records it after a correct code at sign-in.
"""

import time

import pytest
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.http import HttpRequest
from django.test import Client


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for `secret` (allauth's own TOTP)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def give_totp(user, secret: str | None = None) -> Authenticator:
    """The user's TOTP authenticator, activated with `secret` (random if not given)."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        return existing
    return TOTP.activate(user, secret or generate_totp_secret()).instance


def mark_second_factor_passed(client, user, authenticator: Authenticator) -> None:
    """Record in the client's session the "mfa" step allauth records after a TOTP code."""
    request = HttpRequest()
    request.session = client.session
    request.user = user
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
    request.session.save()


def sign_in_staff(client, user) -> None:
    """Sign `user` in on `client` as if with password and TOTP code."""
    authenticator = give_totp(user)
    client.force_login(user)
    mark_second_factor_passed(client, user, authenticator)


@pytest.fixture
def admin_client(admin_user):
    """pytest-django's `admin_client`, signed in with a second factor. tests/conftest.py
    makes it the one tests get with `from tests.support.staff import admin_client`."""
    client = Client()
    sign_in_staff(client, admin_user)
    return client
