"""Sessions live in the cache and in the database: losing the cache signs nobody out, and
ending a session ends it in both."""

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


def test_a_session_outlives_the_loss_of_the_cache(client, make_user):
    user = make_user()
    client.force_login(user)
    assert client.get("/me/").status_code == 200
    cache.clear()  # as after a Redis restart
    response = client.get("/me/")
    assert response.status_code == 200
    assert response.wsgi_request.user == user


def test_signing_out_ends_the_session_everywhere(client, make_user):
    from django.contrib.sessions.models import Session

    client.force_login(make_user())
    key = client.session.session_key
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies["sessionid"] = key
    assert client.get("/me/").status_code == 302
