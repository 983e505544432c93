"""Several nodes, one database: two web nodes (gunicorn on two ports), two Celery workers and
TWO beats (a misconfiguration that happens) against one PostgreSQL and one Redis, with a
real SMTP server (aiosmtpd).

- a session made once is valid on either node;
- people race for one seat through both nodes: one booking, no 5xx;
- the booking made on one node is served by a worker: one room, one access code;
- the periodic jobs are made due by data (reminders whose hour has come) and both beats
  fire them every 2 s (BEAT_EVERY_SECONDS): one reminder per booking;
- every notice is e-mailed once.

The clock of separate processes is not moved: the data is made due instead.
"""

import datetime as dt
import os
import re
import subprocess
import sys
import threading
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.models import Message
from bookings.models import Booking, BookingEvent, Room
from tests.factories import (
    make_confirmed_booking,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
)
from tests.support import worker as support
from tests.support.smtp import LocalSMTP
from tests.support.worker import ROOT, free_port, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Processes:
    """Processes started with one environment, each logging to a file; ended at exit."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = env
        self.folder = folder
        self.started: list[tuple[subprocess.Popen, object]] = []

    def start(self, name: str, *argv: str, env: dict[str, str] | None = None) -> Path:
        log_path = self.folder / f"{name}.log"
        log = open(log_path, "w")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", *argv],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append((process, log))
        return log_path

    def stop(self) -> None:
        for process, _log in self.started:
            process.terminate()
        for process, log in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()  # type: ignore[attr-defined]


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)  # the session is in the database (and Redis)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def post_form(base: str, cookie: str, path: str, data: dict[str, str] | None = None) -> int:
    """GET a page's form on a node (its CSRF token), then POST it there with `data`."""
    cookies = {settings.SESSION_COOKIE_NAME: cookie}
    with httpx.Client(base_url=base, timeout=30) as http:
        form = http.get(path, cookies=cookies)
        assert form.status_code == 200, form.status_code
        csrf = form.cookies.get(settings.CSRF_COOKIE_NAME) or ""
        token = CSRF_INPUT.search(form.text)
        assert token is not None
        return http.post(
            path,
            cookies={**cookies, settings.CSRF_COOKIE_NAME: csrf},
            data={"csrfmiddlewaretoken": token.group(1), **(data or {})},
        ).status_code


def book_through(base: str, cookie: str, path: str) -> int:
    """Book on a node: the booking form, filled in and posted there."""
    return post_form(
        base,
        cookie,
        path,
        {
            "full_name": "山田 花子",
            "full_name_kana": "ヤマダ ハナコ",
            "job_seeker_number": "01234-5678901",
        },
    )


def test_two_nodes_two_workers_and_two_beats_do_nothing_twice(make_user, tmp_path):
    queue = f"nodes-{os.getpid()}-{free_port()}"
    smtp = LocalSMTP()
    smtp.start()
    env = {
        **os.environ,
        "DATABASE_URL": support.test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_URL": smtp.url,
        "BEAT_EVERY_SECONDS": "2",
        "NOTICE_SWEEP_AFTER_SECONDS": "0",
    }
    now = timezone.localtime()
    tomorrow = now.date() + dt.timedelta(days=1)
    # The race's office: booking confirms at once (then a room job).
    office = make_office_with_terms(slug="nodes", municipality_codes=["01213"])
    counsellor = make_counsellor(office)
    seat = make_slot(
        office, counsellor, timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(15)))
    )
    racers = [make_eligible(make_user(f"racer{n}@example.jp"), office) for n in range(6)]
    # Reminders due now: consultations tomorrow, confirmed yesterday, reminder hour 0. They
    # have no room yet either: the beats' room sweeps send their room jobs.
    reminded_office = make_office_with_terms(
        slug="remind", municipality_codes=["01213"], reminder_hour=0
    )
    reminded_counsellor = make_counsellor(reminded_office)
    reminded = []
    for n in range(3):
        person = make_eligible(make_user(f"reminded{n}@example.jp"), reminded_office)
        slot = make_slot(
            reminded_office,
            reminded_counsellor,
            timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(10 + n))),
        )
        booking = make_confirmed_booking(slot, person)
        Booking.objects.filter(pk=booking.pk).update(
            confirmed_at=timezone.now() - dt.timedelta(days=1)
        )
        reminded.append(booking)
    # Requests left unanswered past their cut-off (slots that started an hour ago, whatever
    # the hour of the run): both beats run the expiry job; each expires once, one message.
    expiring = []
    for n in range(2):
        person = make_eligible(make_user(f"waiting{n}@example.jp"), reminded_office)
        slot = make_slot(
            reminded_office, reminded_counsellor, now - dt.timedelta(hours=1, minutes=30 * n)
        )
        expiring.append(make_confirmed_booking(slot, person, status=Booking.Status.REQUESTED))
    cookies = [session_cookie(racer) for racer in racers]

    processes = Processes(env, tmp_path)
    with ExitStack() as stack:
        stack.callback(smtp.stop)
        stack.callback(processes.stop)
        ports = [free_port(), free_port()]
        nodes = [f"http://127.0.0.1:{port}" for port in ports]
        for n, port in enumerate(ports):
            processes.start(
                f"web{n}",
                *("gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"),
                *("--preload", "--control-socket", str(tmp_path / f"web{n}.ctl")),
                env={"DJANGO_SETTINGS_MODULE": "tests.support.node_settings"},
            )
        workers = [
            processes.start(
                f"worker{n}",
                *("celery", "-A", "portal", "worker", "--queues", queue, "-n", f"w{n}@%h"),
                *("--concurrency", "1", "--without-gossip", "--without-mingle"),
                *("--loglevel", "INFO"),
            )
            for n in range(2)
        ]
        beats = [
            processes.start(
                f"beat{n}",
                *("celery", "-A", "portal", "beat", "--loglevel", "INFO"),
                *("--schedule", str(tmp_path / f"beat{n}-schedule")),
            )
            for n in range(2)
        ]

        def answers(base: str) -> bool:
            try:
                return httpx.get(base + "/health/", timeout=20).status_code in (200, 503)
            except httpx.HTTPError:
                return False

        for base in nodes:
            wait_for(lambda base=base: answers(base), timeout=90, what=f"{base} to answer")
        for log in workers:
            wait_for(lambda log=log: "ready." in log.read_text(), timeout=60, what="a worker")

        # A session made once is valid on either node.
        for base in nodes:
            me = httpx.get(
                base + "/me/", cookies={settings.SESSION_COOKIE_NAME: cookies[0]}, timeout=30
            )
            assert me.status_code == 200, (base, me.status_code)

        # Six people race for one seat, three through each node, at once.
        path = f"/offices/{office.slug}/book/{seat.pk}/"
        barrier = threading.Barrier(len(racers))
        statuses: list[int] = []

        def race(n: int) -> None:
            barrier.wait(timeout=30)
            statuses.append(book_through(nodes[n % 2], cookies[n], path))

        threads = [threading.Thread(target=race, args=(n,)) for n in range(len(racers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert len(statuses) == len(racers)
        assert all(status < 500 for status in statuses), statuses
        (winner,) = Booking.objects.filter(slot=seat).exclude(status=Booking.Status.CANCELLED)
        assert winner.status == Booking.Status.CONFIRMED

        # The winner's room is made by a worker: one room, one access code.
        wait_for(
            lambda: Message.objects.filter(
                user=winner.user, kind=Message.Kind.ACCESS_CODE
            ).exists(),
            timeout=60,
            what="the access code",
        )
        # The winner cancels through the other node: one cancellation, its room closed.
        loser_node = nodes[(racers.index(winner.user) + 1) % 2]
        cancel = f"/me/bookings/{winner.pk}/cancel/"
        assert post_form(loser_node, cookies[racers.index(winner.user)], cancel) == 302
        winner.refresh_from_db()
        assert winner.status == Booking.Status.CANCELLED
        # Both beats fire the reminders; each fires them again after they are written.
        wait_for(
            lambda: (
                Message.objects.filter(kind=Message.Kind.REMINDER).count() >= 3
                and Message.objects.filter(kind=Message.Kind.ACCESS_CODE).count() >= 4
            ),
            timeout=60,
            what="the reminders and the swept rooms",
        )
        wait_for(
            lambda: (
                Booking.objects.filter(
                    pk__in=[b.pk for b in expiring], status=Booking.Status.EXPIRED
                ).count()
                == len(expiring)
            ),
            timeout=60,
            what="the unanswered requests to expire",
        )
        fired = [log.read_text().count("send-reminders") for log in beats]
        wait_for(
            lambda: all(
                log.read_text().count("send-reminders") >= before + 3
                for log, before in zip(beats, fired, strict=True)
            ),
            timeout=30,
            what="both beats to fire the reminders three times more",
        )
        wait_for(
            lambda: (
                not Message.objects.filter(notice_due=True, notice_sent_at__isnull=True).exists()
            ),
            timeout=60,
            what="every notice e-mailed",
        )
        worker_logs = "".join(log.read_text() for log in workers)

    assert Booking.objects.filter(slot=seat).count() == 1  # one booked, then cancelled
    assert Room.objects.filter(booking=winner).count() == 1
    assert not Room.objects.filter(booking=winner, invalidated_at__isnull=True).exists()
    cancelled = Message.objects.filter(user=winner.user, kind=Message.Kind.BOOKING_CANCELLED)
    assert cancelled.count() == 1
    for booking in expiring:
        expired = Message.objects.filter(user=booking.user, kind=Message.Kind.REQUEST_EXPIRED)
        assert expired.count() == 1
        assert (
            BookingEvent.objects.filter(booking=booking, action=BookingEvent.Action.EXPIRED).count()
            == 1
        )
    assert Message.objects.filter(user=winner.user, kind=Message.Kind.ACCESS_CODE).count() == 1
    for booking in reminded:
        assert Message.objects.filter(user=booking.user, kind=Message.Kind.REMINDER).count() == 1
        assert Room.objects.filter(booking=booking).count() == 1
        access = Message.objects.filter(user=booking.user, kind=Message.Kind.ACCESS_CODE)
        assert access.count() == 1
    # Every message with a notice was e-mailed exactly once.
    links: list[str] = []
    for email in smtp.received:
        links += re.findall(r"/me/messages/(\d+)/", email.get_content())
    due = Message.objects.filter(notice_due=True).values_list("pk", flat=True)
    assert sorted(int(pk) for pk in links) == sorted(due)
    assert "bookings.tasks.send_reminders" in worker_logs
    assert "bookings.tasks.issue_room" in worker_logs
