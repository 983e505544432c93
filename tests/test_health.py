import datetime as dt
from http import HTTPStatus

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_it_answers_200_when_database_cache_and_broker_answer(client):
    response = client.get("/health/")
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "up", "cache": "up", "broker": "up"}
    assert set(body) == {"status", "checks", "cache_errors", "worker"}
    assert "no-cache" in response["Cache-Control"]


def test_it_reports_the_cache_errors_this_process_ignored(client, monkeypatch):
    from portal import cache

    monkeypatch.setattr(cache, "_errors", 41)
    assert client.get("/health/").json()["cache_errors"] == 41


def test_it_reports_when_a_worker_last_ran_the_heartbeat_job(client):
    from portal.models import WorkerHeartbeat

    seen_at = timezone.now() - dt.timedelta(seconds=30)
    WorkerHeartbeat.objects.create(name="worker", seen_at=seen_at)
    WorkerHeartbeat.objects.create(name="old", seen_at=seen_at - dt.timedelta(hours=1))
    worker = client.get("/health/").json()["worker"]
    assert worker["last_seen_at"] == seen_at.isoformat()
    assert 30 <= worker["seconds_ago"] < 60
    assert worker["late"] is False


def test_a_late_or_missing_heartbeat_is_reported_but_leaves_the_status_ok(client):
    from portal.models import WorkerHeartbeat

    response = client.get("/health/")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["worker"] == {"last_seen_at": None, "seconds_ago": None, "late": True}
    WorkerHeartbeat.objects.create(name="worker", seen_at=timezone.now() - dt.timedelta(minutes=4))
    response = client.get("/health/")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["worker"]["late"] is True


def test_the_beat_sends_the_heartbeat_job_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert entry == {"task": "portal.tasks.record_heartbeat", "schedule": 60.0}


def test_it_answers_503_when_the_broker_does_not_answer(client, settings):
    settings.CELERY_BROKER_URL = UNREACHABLE_REDIS
    response = client.get("/health/")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["checks"] == {"database": "up", "cache": "up", "broker": "down"}


def test_it_answers_503_when_the_cache_does_not_answer(client, settings):
    """The cache ignores Redis' errors (a miss); the check asks Redis itself."""
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.FailSoftRedisCache",
            "LOCATION": UNREACHABLE_REDIS,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.25,
            },
        }
    }
    response = client.get("/health/")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["checks"]["cache"] == "down"
    assert response.json()["checks"]["database"] == "up"


def test_the_cache_check_writes_and_reads_redis_itself(settings, monkeypatch):
    """Not through the cache: a Redis that drops writes is down, though the cache,
    which ignores errors, would only see misses."""
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.FailSoftRedisCache",
            "LOCATION": UNREACHABLE_REDIS,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True},
        }
    }
    from portal import health

    written = {}

    class FakeRedis:
        def set(self, key, value, ex):
            written[key] = (value, ex)

        def get(self, key):
            return written.get(key, (None,))[0]

        def delete(self, key):
            written.pop(key)

    monkeypatch.setattr("portal.cache.get_redis_connection", lambda alias: FakeRedis())
    health.check_cache()  # wrote, read back and deleted
    assert written == {}
    monkeypatch.setattr(FakeRedis, "set", lambda self, key, value, ex: None)
    with pytest.raises(RuntimeError):
        health.check_cache()


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
