"""/health/metrics/ (portal.metrics): queue depths, unsent notices, cache errors, for the
internal network only (the token, or an internal address not behind a proxy)."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.utils import timezone

from accounts.models import Message

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture(autouse=True)
def metrics_settings(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_INTERNAL_NETWORKS = []


def test_it_is_refused_without_the_token(client):
    response = client.get("/health/metrics/")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert set(response.json()) == {"error"}


def test_it_is_refused_with_a_wrong_token(client):
    response = client.get("/health/metrics/", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_it_is_refused_when_no_token_is_configured(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/health/metrics/", headers={"Authorization": "Bearer "})
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_an_internal_address_is_let_in_unless_it_came_through_a_proxy(client, settings):
    settings.METRICS_INTERNAL_NETWORKS = ["127.0.0.0/8"]
    assert client.get("/health/metrics/").status_code == HTTPStatus.OK
    proxied = client.get("/health/metrics/", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == HTTPStatus.FORBIDDEN
    outside = client.get("/health/metrics/", REMOTE_ADDR="203.0.113.9")
    assert outside.status_code == HTTPStatus.FORBIDDEN


def test_it_reports_queues_unsent_notices_and_cache_errors(client, make_user, monkeypatch):
    from portal import cache

    monkeypatch.setattr(cache, "_errors", 7)
    user = make_user()
    old = timezone.now() - dt.timedelta(minutes=30)
    Message.objects.create(user=user, notice_due=True, created_at=old, notice_attempts=3)
    Message.objects.create(user=user, notice_due=True, notice_sent_at=timezone.now())
    Message.objects.create(user=user)  # no notice
    response = client.get("/health/metrics/", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["cache_errors"] == 7
    assert body["notices"]["unsent"] == 1
    assert body["notices"]["most_attempts"] == 3
    assert 1790 <= body["notices"]["oldest_unsent_seconds"] < 1900
    assert isinstance(body["queues"]["tests-unconsumed"], int)
    assert body["worker"]["late"] is True
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.redis
def test_the_queue_depth_is_the_length_of_the_redis_list(client, settings):
    import redis

    from portal import metrics
    from portal.celery import app as celery_app

    settings.CELERY_BROKER_URL = settings.REDIS_URL
    queue = celery_app.conf.task_default_queue
    connection = redis.Redis.from_url(settings.REDIS_URL)
    before = metrics.queue_depths()[queue]
    assert before is not None
    connection.lpush(queue, "{}", "{}")
    try:
        assert metrics.queue_depths()[queue] == before + 2
    finally:
        connection.lrem(queue, 2, "{}")


def test_an_unreachable_broker_reads_as_none(settings):
    from portal import metrics

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    assert set(metrics.queue_depths().values()) == {None}
