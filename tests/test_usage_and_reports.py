"""Usage records, staff access records, retention, reports and a person's own data."""

import csv
import datetime as dt
import io
import json
import logging
from http import HTTPStatus

import pytest
import time_machine
from django.utils import timezone

from accounts import usage
from accounts.models import StaffAccess, UsageRecord
from bookings import services
from bookings.models import Booking
from bookings.selectors import reports
from portal import crypto
from tests.factories import (
    book,
    jst,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
)

pytestmark = pytest.mark.django_db
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148 Safari/604.1"
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0 Safari/537.36"


@pytest.fixture
def office():
    return make_office_with_terms(slug="k", municipality_codes=["01213"], meeting_provider="jitsi")


def test_a_signed_in_request_is_recorded_without_query_string_or_address(client, make_user, office):
    user = make_user()
    client.force_login(user)
    client.get(
        "/offices/k/?week=2026-12-07&secret=1", HTTP_USER_AGENT=IPHONE, REMOTE_ADDR="203.0.113.77"
    )
    assert not UsageRecord.objects.exists()  # appended to Redis, not written by the request
    assert usage.flush_pending() == 1
    record = UsageRecord.objects.get()
    assert (record.user, record.path_name, record.office_slug) == (user, "office_detail", "k")
    assert record.status_code == 200 and record.is_smartphone
    assert record.device_hash == usage.device_hash(IPHONE, "203.0.113.77")
    assert "203.0.113" not in record.device_hash and len(record.device_hash) == 64
    stored = " ".join(str(v) for v in UsageRecord.objects.values().get().values())
    assert "secret" not in stored and "week=" not in stored and "203.0.113" not in stored


@pytest.fixture
def redis_down(monkeypatch):
    """The cache's Redis unreachable for the usage records (a port nothing listens on)."""
    import redis

    down = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setattr(usage, "redis_client", lambda: down)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_the_buffered_records_are_inserted_without_waiting_for_the_disk(
    client, make_user, office, redis_down
):
    """Asynchronous commit for each record's own implicit transaction (one round trip),
    and for nothing after it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_user())
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/offices/k/").status_code == 200
        assert usage.push_buffered() == 1  # finds Redis down
    statements = [q["sql"] for q in captured.captured_queries]
    [statement] = [sql for sql in statements if "accounts_usagerecord" in sql]
    assert statement.startswith('SET LOCAL synchronous_commit TO OFF; INSERT INTO "accounts_')
    record = UsageRecord.objects.get()
    assert (record.path_name, record.office_slug, record.status_code) == ("office_detail", "k", 200)
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failed_usage_insert_leaves_the_connection_usable(
    client, make_user, office, caplog, redis_down
):
    from django.db import connection

    user = make_user()
    client.force_login(user)
    with connection.cursor() as cursor:  # from now on every usage insert fails
        cursor.execute("ALTER TABLE accounts_usagerecord ADD CONSTRAINT no_rows CHECK (false)")
    try:
        assert client.get("/offices/k/").status_code == 200
        usage.push_buffered()  # finds Redis down, and the insert fails
        assert "could not write a usage record" in caplog.text
        assert client.get("/me/").status_code == 200  # the same connection answers
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE accounts_usagerecord DROP CONSTRAINT no_rows")
    assert not UsageRecord.objects.exists()


def _pending() -> int:
    """How many records wait in Redis's list."""
    from portal.cache import redis_client

    return redis_client().llen(usage._pending_key())


def test_a_signed_in_page_sends_its_record_nowhere_until_the_buffer_is_full(
    client, make_user, office, settings
):
    """No round trip to Redis for the record: the process keeps it, and sends
    USAGE_BUFFER_ROWS of them in one RPUSH."""
    import redis

    settings.USAGE_BUFFER_ROWS = 3
    settings.USAGE_BUFFER_SECONDS = 3600  # the thread does not push meanwhile
    client.force_login(make_user())
    sent = []
    real = redis.Redis.execute_command

    def counted(self, *args, **options):
        sent.append(args[0])
        return real(self, *args, **options)

    redis.Redis.execute_command = counted  # type: ignore[method-assign]
    try:
        for _ in range(2):
            assert client.get("/offices/k/").status_code == 200
        assert "RPUSH" not in sent and _pending() == 0
        assert client.get("/offices/k/").status_code == 200  # the third fills it
    finally:
        redis.Redis.execute_command = real  # type: ignore[method-assign]
    assert sent.count("RPUSH") == 1 and _pending() == 3
    assert usage.flush_pending() == 3 and UsageRecord.objects.count() == 3


def test_the_process_pushes_records_that_waited_long_enough_by_itself(
    client, make_user, office, settings
):
    """A worker that serves no more requests still sends what it holds (its thread looks
    every quarter of USAGE_BUFFER_SECONDS)."""
    import time

    settings.USAGE_BUFFER_SECONDS = 0.2
    client.force_login(make_user())
    assert client.get("/offices/k/").status_code == 200
    deadline = time.monotonic() + 10
    while _pending() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)  # polling for the thread's push, bounded by the deadline
    assert _pending() == 1
    assert usage.flush_pending() == 1 and UsageRecord.objects.get().path_name == "office_detail"


def test_a_forked_process_does_not_send_the_records_it_was_born_with(
    client, make_user, office, settings, monkeypatch
):
    import os

    settings.USAGE_BUFFER_SECONDS = 3600
    user = make_user()
    client.force_login(user)
    assert client.get("/offices/k/").status_code == 200  # buffered by this process
    parent = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: parent + 100_000)  # now a child of it
    assert usage.push_buffered() == 0 and _pending() == 0  # the parent's, not the child's
    assert client.get("/me/").status_code == 200  # the child's own
    assert usage.push_buffered() == 1
    monkeypatch.setattr(os, "getpid", lambda: parent)
    assert usage.flush_pending() == 1 and UsageRecord.objects.get().path_name == "my_page"


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")  # as gunicorn forks
def test_a_process_forked_while_the_buffer_is_locked_can_still_record(settings):
    """The child of a fork made while another thread held the buffer's lock gets locks of
    its own (else its first request would wait for ever)."""
    import os
    import time

    settings.USAGE_BUFFER_ROWS = 1000  # the child does not push
    settings.USAGE_BUFFER_SECONDS = 3600
    with usage._buffer._lock:
        child = os.fork()
        if child == 0:  # pragma: no cover - the child process
            usage._buffer.add(
                '["2026-12-02T10:00:00+09:00", 1, "home", "", "GET", 200, "0", false]'
            )
            os._exit(0 if len(usage._buffer._rows) == 1 else 1)
    deadline = time.monotonic() + 20
    while (done := os.waitpid(child, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)  # polling for the child's end, bounded by the deadline
    if done[0] == 0:
        os.kill(child, 9)
        os.waitpid(child, 0)
    assert done[0] == child and os.waitstatus_to_exitcode(done[1]) == 0


@pytest.mark.django_db(transaction=True)
def test_a_process_that_exits_sends_what_it_holds(make_user):
    """atexit: gunicorn's worker leaves through sys.exit, as this process does."""
    import os
    import subprocess
    import sys

    user = make_user()
    code = (
        "import django; django.setup()\n"
        "from accounts import usage\n"
        f'usage._buffer.add(\'["2026-12-02T10:00:00+09:00", {user.pk}, "home", "", '
        '"GET", 200, "0", false]\')\n'
        "import sys; sys.exit(0)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)
    assert _pending() == 1
    assert usage.flush_pending() == 1 and UsageRecord.objects.get().user == user


def test_the_pending_records_are_moved_in_batches_once_and_without_deleted_people(
    client, make_user, office
):
    alice, bob = make_user("alice@example.jp"), make_user("bob@example.jp")
    for person, views in ((alice, 3), (bob, 2)):
        client.force_login(person)
        for _ in range(views):
            client.get("/offices/k/", HTTP_USER_AGENT=DESKTOP)
    bob.delete()  # between the request and the flush
    assert usage.flush_pending(batch=2) == 3  # in batches of 2: 2, 2 (one of Bob's), 1
    assert usage.flush_pending() == 0  # nothing is inserted twice
    records = UsageRecord.objects.order_by("at")
    assert [r.user for r in records] == [alice] * 3
    assert {r.path_name for r in records} == {"office_detail"}


def test_a_failed_flush_puts_the_records_back_for_the_next(client, make_user, office, monkeypatch):
    client.force_login(make_user())
    client.get("/offices/k/")
    real = UsageRecord.objects.bulk_create

    def broken(records, **kwargs):
        raise RuntimeError("the database refused the batch")

    monkeypatch.setattr(UsageRecord.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        usage.flush_pending()
    monkeypatch.setattr(UsageRecord.objects, "bulk_create", real)
    assert usage.flush_pending() == 1 and UsageRecord.objects.count() == 1


def test_the_beat_flushes_the_usage_records_every_minute(settings, client, make_user, office):
    from accounts.tasks import flush_usage_records

    entry = settings.CELERY_BEAT_SCHEDULE["flush-usage-records"]
    assert entry == {"task": flush_usage_records.name, "schedule": 60.0}
    client.force_login(make_user())
    client.get("/offices/k/")
    assert flush_usage_records.apply().get() == 1


def test_the_device_hash_is_keyed_and_ignores_the_last_octet(settings):
    same = usage.device_hash(DESKTOP, "198.51.100.1") == usage.device_hash(
        DESKTOP, "198.51.100.200"
    )
    assert same
    before = usage.device_hash(DESKTOP, "198.51.100.1")
    settings.USAGE_HASH_KEY = "another-key"
    assert usage.device_hash(DESKTOP, "198.51.100.1") != before


def test_anonymous_requests_are_not_recorded(client, office):
    client.get("/offices/k/")
    assert not UsageRecord.objects.exists()


def test_a_failure_to_record_is_logged_and_the_page_still_answers(
    client, make_user, office, monkeypatch, caplog
):
    def broken(request, status_code):
        raise RuntimeError("database of usage records is full")

    monkeypatch.setattr(usage, "record_request", broken)
    client.force_login(make_user())
    with caplog.at_level(logging.ERROR, logger="accounts.usage"):
        response = client.get("/offices/k/")
    assert response.status_code == HTTPStatus.OK
    assert "could not write a usage record" in caplog.text


def test_the_purge_removes_exactly_the_records_older_than_the_period(make_user, settings):
    settings.USAGE_RETENTION_DAYS = 365
    user = make_user()
    now = jst(2026, 11, 24, 4, 0)

    def record(days_ago, seconds=0):
        return UsageRecord.objects.create(
            user=user,
            at=now - dt.timedelta(days=days_ago, seconds=seconds),
            path_name="home",
            method="GET",
            status_code=200,
            device_hash="0" * 64,
        )

    old = record(365, seconds=1)
    boundary = record(365)
    recent = record(10)
    access = StaffAccess.objects.create(
        staff=user, subject=user, what="profile", object_id="1", at=now - dt.timedelta(days=400)
    )
    with time_machine.travel(now, tick=False):
        assert usage.purge() == {"usage": 1, "staff_access": 1}
    remaining = set(UsageRecord.objects.values_list("pk", flat=True))
    assert remaining == {boundary.pk, recent.pk} and old.pk not in remaining
    assert not StaffAccess.objects.filter(pk=access.pk).exists()


def test_a_staff_view_of_a_persons_data_is_recorded(admin_client, admin_user, make_user, office):
    person = make_eligible(make_user("alice@example.jp"), office)
    slot = make_slot(office, make_counsellor(office), timezone.now() + dt.timedelta(days=3))
    booking = Booking.objects.create(
        slot=slot, user=person, full_name="x", full_name_kana="エ", phone="090-1234-5678"
    )
    consent = person.consents.get()
    for url in (
        f"/admin/accounts/profile/{person.profile.pk}/change/",
        f"/admin/bookings/booking/{booking.pk}/change/",
        f"/admin/terms/consent/{consent.pk}/change/",
        f"/admin/accounts/user/{person.pk}/change/",
    ):
        assert admin_client.get(url).status_code == HTTPStatus.OK, url
    seen = set(
        StaffAccess.objects.filter(staff=admin_user, subject=person).values_list("what", flat=True)
    )
    assert seen == {"profile", "booking", "consent", "user"}


def booking_at(office, counsellor, person, start, status, created_days_before):
    return Booking.objects.create(
        slot=make_slot(office, counsellor, start),
        user=person,
        status=status,
        created_at=start - dt.timedelta(days=created_days_before),
        full_name="x",
        full_name_kana="エ",
        phone="090-1234-5678",
    )


def test_the_report_numbers_match_a_hand_built_month(office, make_user):
    counsellor = make_counsellor(office)
    people = [make_user(f"p{n}@example.jp") for n in range(4)]
    s = Booking.Status
    november = [
        (jst(2026, 11, 2, 10), s.COMPLETED, 2),
        (jst(2026, 11, 3, 10), s.COMPLETED, 4),
        (jst(2026, 11, 4, 10), s.NO_SHOW, 6),
        (jst(2026, 11, 5, 10), s.CANCELLED, 8),
        (jst(2026, 11, 30, 23, 30), s.CONFIRMED, 10),  # still November in Japan time
    ]
    for n, (start, status, lead) in enumerate(november):
        booking_at(office, counsellor, people[n % 4], start, status, lead)
    booking_at(office, counsellor, people[0], jst(2026, 12, 1, 10), s.REQUESTED, 1)
    for person, agent in ((people[0], IPHONE), (people[1], IPHONE), (people[2], DESKTOP)):
        UsageRecord.objects.create(
            user=person,
            at=jst(2026, 11, 10, 12),
            path_name="office_detail",
            office_slug="k",
            method="GET",
            status_code=200,
            device_hash=usage.device_hash(agent, "192.0.2.1"),
            is_smartphone=agent == IPHONE,
        )
    rows = reports.monthly(offices=[office], start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 1))
    assert [(r.month, r.total) for r in rows] == [
        (dt.date(2026, 11, 1), 5),
        (dt.date(2026, 12, 1), 1),
    ]
    november_row = rows[0]
    assert november_row.counts == {
        "requested": 0,
        "confirmed": 1,
        "completed": 2,
        "cancelled": 1,
        "no_show": 1,
    }
    assert november_row.median_lead_days == 6.0
    assert november_row.smartphone_share == round(2 / 3, 3)
    assert rows[1].counts["requested"] == 1


def test_reports_and_their_csv_show_no_device_hash_address_or_person(
    admin_client, office, make_user
):
    person = make_user("alice@example.jp")
    booking_at(office, make_counsellor(office), person, jst(2026, 11, 2, 10), "completed", 3)
    record = UsageRecord.objects.create(
        user=person,
        at=jst(2026, 11, 2, 9),
        path_name="office_detail",
        office_slug="k",
        method="GET",
        status_code=200,
        device_hash=usage.device_hash(IPHONE, "203.0.113.5"),
        is_smartphone=True,
    )
    query = "start=2026-11&end=2026-11"
    page = admin_client.get(f"/admin/bookings/office/reports/?{query}").content.decode()
    download = admin_client.get(f"/admin/bookings/office/reports/?{query}&format=csv")
    text = download.content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][:2] == ["k", "2026-11"] and rows[1][4] == "1"
    for output in (page, text):
        assert record.device_hash not in output
        assert "203.0.113" not in output
        assert "alice@example.jp" not in output
    assert "<svg" in page and "<title" in page
    assert admin_client.get("/admin/accounts/usagerecord/").status_code == HTTPStatus.NOT_FOUND


def test_a_bad_report_range_is_refused_with_a_message(admin_client):
    admin_client.cookies["django_language"] = "en"
    response = admin_client.get("/admin/bookings/office/reports/?start=2026-12&end=2026-01")
    assert response.status_code == HTTPStatus.OK
    assert "The first month must not be after the last." in response.content.decode()
    response = admin_client.get("/admin/bookings/office/reports/?start=nonsense&end=2026-01")
    assert response.status_code == HTTPStatus.OK


def test_my_data_contains_my_own_data_and_no_one_elses(client, make_user, office):
    alice = make_eligible(make_user("alice@example.jp"), office)
    bob = make_eligible(make_user("bob@example.jp"), office)
    counsellor = make_counsellor(office)
    with time_machine.travel(jst(2026, 11, 20, 12), tick=False):
        mine = book(office, alice, make_slot(office, counsellor, jst(2030, 1, 8, 10)))
        services.create_booking(
            user=bob,
            office=office,
            slot_id=make_slot(office, counsellor, jst(2030, 1, 9, 10)).pk,
            full_name="鈴木 次郎",
            full_name_kana="スズキ ジロウ",
            job_seeker_number="01234-5678902",
            phone="090-8765-4321",
        )
    services.issue_room(booking_id=mine.pk)
    room = mine.rooms.get()
    client.force_login(alice)
    response = client.get("/me/my-data.json")
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    text = response.content.decode()
    assert data["account"]["email"] == "alice@example.jp"
    assert [b["name"] for b in data["bookings"]] == ["山田 花子"]
    assert len(data["consents"]) == 1 and data["messages"]
    assert all(m["subject"] and m["body"] for m in data["messages"])
    for other in ("bob@example.jp", "鈴木", "090-8765-4321", "01234-5678902"):
        assert other not in text
    assert crypto.decrypt(room.passcode_encrypted) not in text
    assert room.meeting_id not in text
