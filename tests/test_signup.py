from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

pytestmark = pytest.mark.django_db


def sign_up(client, email):
    return client.post(
        "/accounts/signup/",
        {"email": email, "password1": "kiso-no-hanako-42", "password2": "kiso-no-hanako-42"},
    )


def test_sign_up_sends_a_verification_email(client):
    response = sign_up(client, "hanako@example.jp")
    assert response.status_code == HTTPStatus.FOUND
    assert get_user_model().objects.filter(email="hanako@example.jp").exists()
    assert len(mail.outbox) == 1
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_sign_up_is_rate_limited_per_address(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"signup": "3/h/ip"}
    for n in range(3):
        assert sign_up(client, f"user{n}@example.jp").status_code == HTTPStatus.FOUND
    response = sign_up(client, "one-too-many@example.jp")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "しばらく" in response.content.decode()
    assert not get_user_model().objects.filter(email="one-too-many@example.jp").exists()


def test_a_user_cannot_sign_in_before_verifying(client):
    sign_up(client, "hanako@example.jp")
    client.logout()
    response = client.post(
        "/accounts/login/", {"login": "hanako@example.jp", "password": "kiso-no-hanako-42"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/accounts/confirm-email/"
