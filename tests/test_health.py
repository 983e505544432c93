from http import HTTPStatus

import pytest

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_it_answers_200_when_database_cache_and_broker_answer(client):
    response = client.get("/health/")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "up", "cache": "up", "broker": "up"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_503_when_the_broker_does_not_answer(client, settings):
    settings.CELERY_BROKER_URL = UNREACHABLE_REDIS
    response = client.get("/health/")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["checks"] == {"database": "up", "cache": "up", "broker": "down"}


def test_it_answers_503_when_the_cache_does_not_answer(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": UNREACHABLE_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    response = client.get("/health/")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["checks"]["cache"] == "down"
    assert response.json()["checks"]["database"] == "up"


def test_it_answers_503_when_the_database_does_not_answer(client, monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def refuse(self, *args, **kwargs):
        raise OSError("database is down")

    # The health check opens a cursor; make opening one fail as a dead server would.
    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)
    response = client.get("/health/")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["checks"]["database"] == "down"


def test_it_refuses_post(client):
    assert client.post("/health/").status_code == HTTPStatus.METHOD_NOT_ALLOWED
