"""The e-mail outbox (accounts.outbox): no notice is sent inside a request or a job that
posts messages; a job sends it after commit, a sweep retries with back-off, a claim (one
conditional UPDATE) keeps any notice from being sent twice, and an SMTP server that is
down or slow delays notices and loses none.

The SMTP server is a real one (aiosmtpd) of the test's own, which the test stops and
starts, and Django's real SMTP backend talks to it."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts import outbox
from accounts.models import Message
from accounts.services import post_message, post_new_messages
from tests.support.smtp import LocalSMTP

pytestmark = pytest.mark.django_db

ENGLISH_SUBJECT = "You have a new message in your mailbox"
JAPANESE_SUBJECT = "メッセージボックスに新しいメッセージが届いています"


def notice(user, text: str = "お知らせ") -> Message:
    message = post_message(
        user=user,
        kind=Message.Kind.GENERAL,
        params={"subject": text, "body": text, "subject_en": text, "body_en": text},
    )
    assert message is not None
    return message


@pytest.fixture
def smtp():
    server = LocalSMTP()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_backend(smtp, settings):
    """Django's real SMTP backend pointed at the local server."""
    settings.MAILERS = smtp.mailers()
    return smtp


@pytest.fixture
def enqueued(monkeypatch, real_notice_jobs):
    """The outbox's jobs as enqueued after commit, kept here instead of sent."""
    jobs: list[list[int]] = []

    class Recorder:
        name = "accounts.tasks.send_message_notices"

        @staticmethod
        def apply_async(args=(), kwargs=None, **options):
            jobs.append(list(args[0]))

    monkeypatch.setattr(outbox, "send_message_notices_task", Recorder)
    return jobs


def test_posting_sends_no_email_and_enqueues_one_job_after_commit(
    make_user, enqueued, django_capture_on_commit_callbacks
):
    alice = make_user("alice@example.jp")
    bob = make_user("bob@example.jp")
    issued = make_user("u-0001@issued.invalid")  # an issued account without an address
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        messages = post_new_messages(
            [
                Message(user=user, kind=Message.Kind.GENERAL, params={"subject": "s"})
                for user in (alice, bob, issued)
            ]
        )
        assert enqueued == []  # nothing before commit
    assert mail.outbox == []  # and no e-mail at all from the transaction itself
    assert enqueued == [[messages[0].pk, messages[1].pk]]
    due = dict(Message.objects.values_list("user__email", "notice_due"))
    assert due == {"alice@example.jp": True, "bob@example.jp": True, issued.email: False}
    assert not Message.objects.filter(notice_sent_at__isnull=False).exists()


def test_the_job_sends_each_notice_once_and_a_duplicate_job_sends_nothing(
    make_user, smtp_backend, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = notice(make_user("alice@example.jp"))
    (job,) = enqueued
    assert outbox.send_message_notices(message_ids=job) == 1
    assert outbox.send_message_notices(message_ids=job) == 0  # redelivered by the broker
    assert outbox.send_due_notices(now=timezone.now() + dt.timedelta(days=1)) == 0
    assert smtp_backend.recipients() == ["alice@example.jp"]
    message.refresh_from_db()
    assert message.notice_sent_at is not None
    assert message.notice_attempts == 1
    assert message.notice_claimed_at is None


def test_smtp_stopped_then_started_every_due_notice_is_sent_exactly_once(
    make_user, smtp_backend, django_capture_on_commit_callbacks, settings
):
    settings.NOTICE_RETRY_SECONDS = 600  # a failed send is tried again 10 minutes later
    smtp = smtp_backend
    start = timezone.now()
    people = [make_user(f"p{n}@example.jp", language="en" if n % 2 else "ja") for n in range(6)]
    smtp.stop()
    with time_machine.travel(start, tick=True):
        with django_capture_on_commit_callbacks(execute=True):
            # One insert posts them all (as a batch of rooms does): one job.
            messages = post_new_messages(
                [
                    Message(user=person, kind=Message.Kind.GENERAL, params={"subject": "s"})
                    for person in people
                ]
            )
        # The job ran and its first send failed: recorded, with its retry moment.
        first = Message.objects.get(pk=messages[0].pk)
        assert first.notice_attempts == 1 and first.notice_sent_at is None
        assert first.notice_next_attempt_at is not None
        assert first.notice_next_attempt_at >= start + outbox.backoff(1)
        assert Message.objects.filter(notice_attempts=0).count() == 5  # the job stopped

    # Two minutes later the sweep finds the five the job left; SMTP is still down.
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=True):
        assert outbox.send_due_notices() == 0
        assert Message.objects.filter(notice_attempts=2).count() == 0  # not due yet
        assert Message.objects.filter(notice_attempts=1).count() == 2
        smtp.start()
        assert outbox.send_due_notices() == 4  # the never-tried ones; the failed wait
    assert len(smtp.received) == 4

    with time_machine.travel(start + dt.timedelta(hours=2), tick=True):
        assert outbox.send_due_notices() == 2  # the two retried after their back-off
        assert outbox.send_due_notices() == 0
    assert smtp.recipients() == sorted(person.email for person in people)
    for email in smtp.received:
        person = next(p for p in people if p.email == email["To"])
        subject = str(email["Subject"])
        assert (ENGLISH_SUBJECT if person.language == "en" else JAPANESE_SUBJECT) in subject
        (message,) = [m for m in messages if m.user_id == person.pk]
        assert f"/me/messages/{message.pk}/" in email.get_content()
    assert not Message.objects.filter(notice_due=True, notice_sent_at__isnull=True).exists()
    assert outbox.unsent_notices() == 0


def test_a_slow_smtp_server_delays_the_notice_and_it_is_sent_once(
    make_user, smtp_backend, django_capture_on_commit_callbacks
):
    smtp_backend.handler.delay = 1.0  # within the backend's timeout
    with django_capture_on_commit_callbacks(execute=True):
        message = notice(make_user("slow@example.jp"))
    message.refresh_from_db()
    assert message.notice_sent_at is not None
    assert smtp_backend.recipients() == ["slow@example.jp"]


def test_a_notice_claimed_by_a_live_worker_is_left_to_it_and_a_stale_claim_is_taken(
    make_user, smtp_backend, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = notice(make_user("alice@example.jp"))
    later = timezone.now() + dt.timedelta(minutes=2)
    Message.objects.filter(pk=message.pk).update(notice_claimed_at=later - dt.timedelta(minutes=1))
    with time_machine.travel(later, tick=False):
        assert outbox.send_due_notices() == 0  # another worker is sending it right now
    assert smtp_backend.received == []
    much_later = later + outbox.CLAIM_EXPIRES + dt.timedelta(minutes=1)
    with time_machine.travel(much_later, tick=False):
        assert outbox.send_due_notices() == 1  # that worker died: its claim expired
        assert outbox.send_due_notices() == 0
    assert smtp_backend.recipients() == ["alice@example.jp"]


def test_a_refused_address_does_not_hold_up_the_others(
    make_user, smtp_backend, enqueued, django_capture_on_commit_callbacks, monkeypatch
):
    import smtplib

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        refused = notice(make_user("refused@example.jp"))
        fine = notice(make_user("fine@example.jp"))
    real_send = outbox._send

    def send(message_id, connection):
        if message_id == refused.pk:
            raise smtplib.SMTPRecipientsRefused({"refused@example.jp": (550, b"no such user")})
        return real_send(message_id, connection)

    monkeypatch.setattr(outbox, "_send", send)
    assert outbox.send_message_notices(message_ids=[refused.pk, fine.pk]) == 1
    refused.refresh_from_db()
    assert refused.notice_sent_at is None and refused.notice_attempts == 1
    assert smtp_backend.recipients() == ["fine@example.jp"]


def test_the_back_off_doubles_up_to_its_maximum(settings):
    settings.NOTICE_RETRY_SECONDS = 60
    settings.NOTICE_RETRY_MAX_SECONDS = 3600
    assert [outbox.backoff(n).total_seconds() for n in range(1, 9)] == [
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]
    assert outbox.backoff(500).total_seconds() == 3600


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_notice_once(make_user, smtp_backend, enqueued, settings):
    """Two beats fire the sweep at the same moment (threads, each its own connection): the
    claim gives each notice to one of them."""
    settings.NOTICE_SWEEP_AFTER_SECONDS = 0
    smtp_backend.handler.delay = 0.05  # slow enough for the two to overlap
    with transaction.atomic():
        for n in range(20):
            notice(make_user(f"p{n}@example.jp"))
    barrier = threading.Barrier(2)
    sent: list[int] = []

    def sweep() -> None:
        from django.db import connection

        try:
            barrier.wait(timeout=10)
            sent.append(outbox.send_due_notices())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(sent) == 20
    assert len(smtp_backend.received) == 20
    assert len(set(smtp_backend.recipients())) == 20


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_every_notice_once_after_smtp_comes_back(
    make_user, real_notice_jobs, settings
):
    """`celery -A portal worker` (two processes) with EMAIL_URL at the local server: the job
    enqueued at commit fails while SMTP is stopped; once it is started, sweeps fired two at
    a time (as by two beats) send every notice, each once."""
    from tests.support.worker import celery_worker, wait_for

    settings.NOTICE_SWEEP_AFTER_SECONDS = 0  # the test process posts the messages
    smtp = LocalSMTP()  # stopped: nothing listens on its port yet
    people = [make_user(f"w{n}@example.jp", language="en" if n % 2 else "ja") for n in range(8)]
    env = {"EMAIL_URL": smtp.url, "NOTICE_RETRY_SECONDS": "1", "NOTICE_SWEEP_AFTER_SECONDS": "0"}
    try:
        with celery_worker(extra_env=env, concurrency=2) as (worker, _queue):
            post_new_messages(
                [
                    Message(user=p, kind=Message.Kind.GENERAL, params={"subject": "s"})
                    for p in people
                ]
            )
            wait_for(
                lambda: Message.objects.filter(notice_attempts=1).exists(),
                timeout=30,
                what="the job's first attempt to fail",
            )
            assert smtp.received == []
            smtp.start()
            smtp.handler.delay = 0.1

            def all_sent() -> bool:
                outbox.send_due_notices_task.apply_async()
                outbox.send_due_notices_task.apply_async()
                return outbox.unsent_notices() == 0

            wait_for(all_sent, timeout=60, interval=1, what="every notice sent")
            log = worker.log_path.read_text()
    finally:
        smtp.stop()
    assert smtp.recipients() == sorted(p.email for p in people)
    assert "accounts.tasks.send_message_notices" in log
    assert "accounts.tasks.send_due_notices" in log
    for email in smtp.received:
        person = next(p for p in people if p.email == email["To"])
        subject = str(email["Subject"])
        assert (ENGLISH_SUBJECT if person.language == "en" else JAPANESE_SUBJECT) in subject
