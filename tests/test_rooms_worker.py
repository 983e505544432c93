"""The room job with real processes: a Celery worker on Redis, PostgreSQL, a fake Zoom.

Nothing of our own is mocked: the worker is `celery -A portal worker`, the broker a real
Redis (one of the test's own where the test stops it), the provider a local HTTP server
that answers as Zoom's API does.
"""

import json
import os
import signal
import threading
from typing import Any

import pytest
from django.test import Client
from werkzeug import Response

from accounts.models import Message
from bookings import services
from bookings.models import Booking, Room
from portal import crypto
from tests.factories import (
    book,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
)
from tests.support.worker import PrivateRedis, broker_at, celery_worker, children_of, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def future_slot(office, counsellor, days: int = 3):
    import datetime as dt

    from django.utils import timezone

    day = timezone.localdate() + dt.timedelta(days=days)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    return make_slot(office, counsellor, start)


@pytest.fixture
def scene(make_user):
    def build(provider: str = "jitsi"):
        office = make_office_with_terms(
            slug=f"o-{provider}", municipality_codes=["01213"], meeting_provider=provider
        )
        counsellor = make_counsellor(office)
        person = make_eligible(make_user(f"{provider}@example.jp"), office)
        return office, counsellor, person, future_slot(office, counsellor)

    return build


def access_messages(booking):
    return Message.objects.filter(user=booking.user, kind=Message.Kind.ACCESS_CODE)


def test_confirming_puts_exactly_one_access_code_in_the_mailbox(scene, tmp_path, caplog):
    caplog.set_level("DEBUG")
    office, _counsellor, person, slot = scene("jitsi")
    mail_dir = tmp_path / "mail"
    with celery_worker(
        extra_env={"EMAIL_URL": f"filemail://{mail_dir}", "LOG_LEVEL": "DEBUG"},
        loglevel="DEBUG",
    ) as (worker, _queue):
        booking = book(office, person, slot)
        wait_for(lambda: access_messages(booking).exists(), timeout=30, what="the access code")
        wait_for(lambda: mail_dir.exists() and any(mail_dir.iterdir()), timeout=10, what="mail")
        worker_log = worker.log_path.read_text()
    assert Room.objects.filter(booking=booking).count() == 1
    assert access_messages(booking).count() == 1
    room = Room.objects.get(booking=booking)
    passcode = crypto.decrypt(room.passcode_encrypted)

    client = Client()
    client.force_login(person)
    html = client.get(f"/me/messages/{access_messages(booking).get().pk}/").content.decode()
    assert passcode in html and room.meeting_id in html

    # The passcode appears in no e-mail and in no log line of the whole booking.
    from django.core import mail

    emails = "".join(p.read_text() for p in mail_dir.glob("*"))
    emails += "".join(str(m.body) for m in mail.outbox)
    assert "/me/messages/" in emails
    assert passcode not in emails
    assert passcode not in worker_log
    assert passcode not in caplog.text
    assert "bookings.tasks.issue_room" in worker_log


def test_a_booking_made_while_redis_is_down_gets_its_room_from_the_sweeper(scene, settings):
    settings.ROOM_SWEEP_AFTER_SECONDS = 0
    office, _counsellor, person, slot = scene("jitsi")
    redis = PrivateRedis()
    redis.start()
    try:
        with broker_at(redis.url):
            redis.stop()  # Redis goes down just before the person presses "book"
            client = Client()
            client.force_login(person)
            response = client.post(
                f"/offices/{office.slug}/book/{slot.pk}/",
                {
                    "full_name": "山田 花子",
                    "full_name_kana": "ヤマダ ハナコ",
                    "job_seeker_number": "01234-5678901",
                },
            )
            assert response.status_code == 302  # the person sees success, not a 500
            booking = Booking.objects.get(user=person)
            assert booking.status == Booking.Status.CONFIRMED
            assert not Room.objects.exists()

            redis.start()  # Redis is back
            with celery_worker(extra_env={"REDIS_URL": redis.url}):
                assert services.sweep_rooms() == 1
                wait_for(lambda: access_messages(booking).exists(), timeout=30, what="room")
                services.sweep_rooms()  # a second sweep finds nothing left to do
                wait_for(lambda: Room.objects.count() == 1, timeout=5)
    finally:
        redis.stop()
    assert Room.objects.filter(booking=booking).count() == 1
    assert access_messages(booking).count() == 1


@pytest.fixture
def fake_zoom(httpserver, settings):
    """A local server answering as Zoom's API; `create_hook` may hold a request."""
    state: dict[str, Any] = {"creates": 0, "create_hook": None}

    def token(request):
        return Response(
            json.dumps({"access_token": "fake-token", "token_type": "bearer", "expires_in": 3599}),
            content_type="application/json",
        )

    def create(request):
        state["creates"] += 1
        if state["create_hook"]:
            state["create_hook"](state["creates"])
        number = 8574600000 + state["creates"]
        body = {
            "id": number,
            "join_url": f"https://zoom.example/j/{number}",
            "password": "73914285",
        }
        return Response(json.dumps(body), status=201, content_type="application/json")

    httpserver.expect_request("/oauth/token", method="POST").respond_with_handler(token)
    httpserver.expect_request("/v2/users/me/meetings", method="POST").respond_with_handler(create)
    base = httpserver.url_for("").rstrip("/")
    state["env"] = {
        "ZOOM_API_BASE": base,
        "ZOOM_OAUTH_BASE": base,
        "ZOOM_ACCOUNT_ID": "acct",
        "ZOOM_CLIENT_ID": "client",
        "ZOOM_CLIENT_SECRET": "secret",
    }
    return state


def test_a_worker_child_killed_mid_task_is_redelivered_and_makes_one_room(scene, fake_zoom):
    office, _counsellor, person, slot = scene("zoom")
    arrived, release = threading.Event(), threading.Event()

    def hold_first(count: int) -> None:
        if count == 1:
            arrived.set()
            release.wait(30)

    fake_zoom["create_hook"] = hold_first
    with celery_worker(extra_env=fake_zoom["env"]) as (worker, _queue):
        booking = book(office, person, slot)
        assert arrived.wait(30), "the worker never called Zoom"
        child = children_of(worker.pid)[0]
        os.kill(child, signal.SIGKILL)  # the child dies while Zoom is answering
        release.set()
        wait_for(lambda: access_messages(booking).exists(), timeout=60, what="redelivery")
    assert fake_zoom["creates"] == 2
    assert Room.objects.filter(booking=booking).count() == 1
    assert access_messages(booking).count() == 1


def lock_waiters() -> int:
    """Backends of the test database waiting for a row lock right now."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_the_same_job_delivered_twice_at_once_makes_one_room_and_one_message(scene, fake_zoom):
    from django.db import connections

    from bookings.tasks import issue_room_task

    office, _counsellor, person, slot = scene("zoom")

    def hold_until_the_second_delivery_waits(count: int) -> None:
        # The first delivery is inside Zoom's create while it holds the booking's row
        # lock: it answers once the second delivery is seen waiting for that lock.
        if count == 1:
            wait_for(lambda: lock_waiters() > 0, timeout=30, what="the second delivery")
            connections.close_all()

    fake_zoom["create_hook"] = hold_until_the_second_delivery_waits
    booking = book(office, person, slot)  # its own job went to the unconsumed test queue
    with celery_worker(extra_env=fake_zoom["env"], concurrency=2) as (worker, queue):
        jobs = [issue_room_task.apply_async(args=(booking.pk,), queue=queue) for _ in range(2)]
        wait_for(
            lambda: all(
                f"issue_room[{job.id}] succeeded" in worker.log_path.read_text() for job in jobs
            ),
            timeout=60,
            what="both deliveries to finish",
        )
    assert fake_zoom["creates"] == 1
    assert Room.objects.filter(booking=booking).count() == 1
    assert access_messages(booking).count() == 1
