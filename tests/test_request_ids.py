"""Request ids (portal.requestlog): every response says its id, every request writes one
log line (id, method, URL pattern, status, duration; nothing personal), every log line
written meanwhile shows the id, and the jobs a request enqueues carry it to the worker."""

import datetime as dt
import json
import logging

import pytest
from celery.signals import before_task_publish
from django.test import Client
from django.utils import timezone

from portal import requestlog
from tests.factories import make_counsellor, make_eligible, make_office_with_terms, make_slot

pytestmark = pytest.mark.django_db


def request_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "portal.requests"]


def test_a_response_carries_a_new_request_id(client):
    first = client.get("/health/")["X-Request-ID"]
    second = client.get("/health/")["X-Request-ID"]
    assert requestlog.sane(first) and requestlog.sane(second)
    assert first != second


def test_a_sane_incoming_request_id_is_kept(client):
    response = client.get("/health/", headers={"X-Request-ID": "lb-2f9c1e7a-0001"})
    assert response["X-Request-ID"] == "lb-2f9c1e7a-0001"


@pytest.mark.parametrize(
    "incoming",
    ["short", "x" * 101, "abc def ghij", "abcdefgh\nforged line", "山田花子さんの予約です"],
)
def test_an_insane_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/health/", headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] != incoming
    assert requestlog.sane(response["X-Request-ID"])


def test_one_line_per_request_with_the_url_pattern_and_nothing_personal(client, make_user, caplog):
    caplog.set_level(logging.INFO, logger="portal.requests")
    office = make_office_with_terms(slug="kushiro")
    person = make_eligible(make_user("hanako.yamada@example.jp"), office)
    client.force_login(person)
    response = client.get(
        "/offices/kushiro/?name=山田花子&phone=09012345678",
        headers={"X-Request-ID": "req-0000-0001"},
    )
    assert response.status_code == 200
    (line,) = request_lines(caplog)
    assert set(line) == {"request_id", "method", "path", "status", "duration_ms"}
    assert line["request_id"] == "req-0000-0001"
    assert line["method"] == "GET"
    assert line["path"] == "/offices/<slug:slug>/"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    text = caplog.text
    for personal in ("山田", "09012345678", "hanako", "kushiro"):
        assert personal not in text


def test_an_unknown_path_is_logged_as_unmatched(client, caplog):
    caplog.set_level(logging.INFO, logger="portal.requests")
    client.get("/accounts/confirm-email/secret-key-of-someone/x/y/")
    (line,) = request_lines(caplog)
    assert line["status"] == 404
    assert "secret" not in json.dumps(line)


def test_log_lines_written_during_a_request_show_its_id(client, caplog):
    caplog.set_level(logging.INFO)
    client.get("/offices/%00/", headers={"X-Request-ID": "req-nul-0000001"})
    refused = [r for r in caplog.records if "NUL byte" in r.getMessage()]
    assert refused
    assert refused[0].request_id == "req-nul-0000001"
    after = logging.getLogRecordFactory()("t", logging.INFO, "", 0, "after", (), None)
    assert after.request_id == "-"  # type: ignore[attr-defined]


def book_once(client: Client, make_user, request_id: str):
    office = make_office_with_terms(slug="rid", municipality_codes=["01213"])
    counsellor = make_counsellor(office)
    day = timezone.localdate() + dt.timedelta(days=3)
    slot = make_slot(office, counsellor, timezone.make_aware(dt.datetime.combine(day, dt.time(10))))
    person = make_eligible(make_user("rid@example.jp"), office)
    client.force_login(person)
    return client.post(
        f"/offices/{office.slug}/book/{slot.pk}/",
        {"full_name": "山田 花子", "full_name_kana": "ヤマダ ハナコ", "job_seeker_number": ""},
        headers={"X-Request-ID": request_id},
    )


def test_the_jobs_a_request_enqueues_carry_its_id(
    client, make_user, django_capture_on_commit_callbacks
):
    published: list[tuple[str, object]] = []

    def record(sender=None, headers=None, **kwargs):
        published.append((sender, (headers or {}).get("request_id")))

    before_task_publish.connect(record, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = book_once(client, make_user, "req-book-000001")
    finally:
        before_task_publish.disconnect(record)
    assert response.status_code == 302
    assert ("bookings.tasks.issue_room", "req-book-000001") in published
    assert all(request_id == "req-book-000001" for _task, request_id in published)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_workers_lines_of_a_requests_job_show_its_id(make_user):
    from accounts.models import Message
    from tests.support.worker import celery_worker, wait_for

    with celery_worker() as (worker, _queue):
        response = book_once(Client(), make_user, "req-worker-00001")
        assert response.status_code == 302
        wait_for(
            lambda: Message.objects.filter(kind=Message.Kind.ACCESS_CODE).exists(),
            timeout=30,
            what="the room job",
        )
        wait_for(lambda: "room " in worker.log_path.read_text(), timeout=10, what="its log line")
        log = worker.log_path.read_text()
    (issued,) = [line for line in log.splitlines() if "room " in line and "issued" in line]
    assert "[req-worker-00001]" in issued
    assert "[req-worker-00001]" not in next(line for line in log.splitlines() if "ready." in line)
