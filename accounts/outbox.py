"""The e-mail outbox: the notice that tells a person a message is waiting in their mailbox.

A message posted with an address to write to is marked `notice_due` in the transaction
that posts it (`accounts.services.post_message`); after commit one job is enqueued for the
messages of that transaction (`send_message_notices_task`). No e-mail is sent inside a
request or another job.

- A notice is sent at most once: before sending, a worker claims the message with one
  conditional UPDATE (due, not sent, and not claimed by another worker within
  CLAIM_EXPIRES); only the worker whose UPDATE changed the row sends it, and marks it sent.
- A failed send (the SMTP server down, slow past its timeout, or refusing) is recorded:
  one more attempt and the moment of the next, with back-off (NOTICE_RETRY_SECONDS doubled
  per attempt, at most NOTICE_RETRY_MAX_SECONDS). Nothing gives up: a notice stays due
  until it is sent.
- The sweep (`send_due_notices_task`, every minute in the beat schedule) sends what is due:
  retries whose moment has come, and notices whose job a broker outage or a lost worker
  dropped (their first moment is NOTICE_SWEEP_AFTER_SECONDS after they were posted, so the
  job goes first). Two beats or two workers at once send nothing twice: the claim decides.

What is not excluded: a worker that dies after the SMTP server accepted a notice and before
it was marked sent leaves a claim that expires, and the notice is sent again; an SMTP
server that times out after it has accepted a notice gets it again on the retry. The
message itself is in the mailbox either way.
"""

import datetime as dt
import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db.models import Count, F, Max, Min, Q
from django.urls import reverse
from django.utils import timezone

from .messages import render_notice
from .models import Message

logger = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died: another may take the notice.
# Far longer than one send can take (the SMTP timeout, settings.MAILERS, is 10 s).
CLAIM_EXPIRES = dt.timedelta(minutes=5)
# At most this many notices per sweep; the next sweep goes on.
SWEEP_BATCH = 500
# Refusals of one notice (its address, its content): the next notice is still tried.
# Anything else (refused connection, timeout, the server gone) ends the batch.
REFUSED_ONE = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def has_address(email: str) -> bool:
    """An issued account without an e-mail address has a `.invalid` one: its mailbox is
    enough."""
    return bool(email) and not email.endswith(".invalid")


def mark_due(message: Message, *, email: str, now: dt.datetime) -> None:
    """Mark a message about to be created as one whose notice is to be sent to `email`."""
    if has_address(email):
        message.notice_due = True
        message.notice_next_attempt_at = now + dt.timedelta(
            seconds=settings.NOTICE_SWEEP_AFTER_SECONDS
        )


def backoff(attempts: int) -> dt.timedelta:
    """How long after the `attempts`-th failed attempt the next one is made."""
    seconds = settings.NOTICE_RETRY_SECONDS * 2 ** min(attempts - 1, 20)
    return dt.timedelta(seconds=min(seconds, settings.NOTICE_RETRY_MAX_SECONDS))


def _unclaimed(now: dt.datetime) -> Q:
    return Q(notice_claimed_at__isnull=True) | Q(notice_claimed_at__lt=now - CLAIM_EXPIRES)


def due_notices(*, now: dt.datetime | None = None):
    """Notices due and not sent whose moment has come, first the longest waiting."""
    now = now or timezone.now()
    return (
        Message.objects.filter(
            notice_due=True, notice_sent_at__isnull=True, notice_next_attempt_at__lte=now
        )
        .filter(_unclaimed(now))
        .order_by("notice_next_attempt_at", "pk")
    )


def _claim(message_id: int, now: dt.datetime, *, first: bool) -> bool:
    """Claim one notice with a conditional UPDATE; True when this call won it. `first`:
    the job enqueued at posting makes only the first attempt; retries are the sweep's,
    when their moment has come."""
    claimable = Message.objects.filter(
        _unclaimed(now), pk=message_id, notice_due=True, notice_sent_at__isnull=True
    )
    if first:
        claimable = claimable.filter(notice_attempts=0)
    else:
        claimable = claimable.filter(notice_next_attempt_at__lte=now)
    return claimable.update(notice_claimed_at=now) == 1


def _send(message_id: int, connection) -> bool:
    """Send one claimed notice, in the recipient's language: a link, never the message's
    content, an access code or a passcode. False when the message is gone."""
    found = (
        Message.objects.filter(pk=message_id).values_list("user__email", "user__language").first()
    )
    if found is None:
        return False
    email, language = found
    url = settings.SITE_URL + reverse("message_detail", kwargs={"pk": message_id})
    notice = render_notice(url=url, language=language or "")
    connection.open()  # once per batch: an open connection is kept
    connection.send_messages(
        [
            EmailMessage(
                subject=notice.subject,
                body=notice.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[email],
            )
        ]
    )
    return True


def _record_sent(message_id: int) -> None:
    Message.objects.filter(pk=message_id, notice_sent_at__isnull=True).update(
        notice_sent_at=timezone.now(),
        notice_claimed_at=None,
        notice_attempts=F("notice_attempts") + 1,
    )


def _record_failure(message_id: int, claimed_at: dt.datetime) -> None:
    attempts = (
        Message.objects.filter(pk=message_id).values_list("notice_attempts", flat=True).first() or 0
    ) + 1
    Message.objects.filter(pk=message_id, notice_claimed_at=claimed_at).update(
        notice_claimed_at=None,
        notice_attempts=attempts,
        notice_next_attempt_at=timezone.now() + backoff(attempts),
    )


def _deliver(message_ids: list[int], *, first: bool) -> int:
    """Claim and send the notices of `message_ids` over one SMTP connection; returns how
    many were sent. A failure is recorded on its notice, never raised."""
    sent = 0
    connection = mailers.default
    try:
        for message_id in message_ids:
            claimed_at = timezone.now()
            if not _claim(message_id, claimed_at, first=first):
                continue  # sent, or another worker's, or not yet due
            try:
                if not _send(message_id, connection):
                    continue
            except REFUSED_ONE:
                logger.warning("the notice of message %s was refused", message_id)
                _record_failure(message_id, claimed_at)
                continue
            except Exception as error:
                logger.warning(
                    "could not send the notice of message %s (%s: %s); it will be retried",
                    message_id,
                    type(error).__name__,
                    error,
                )
                _record_failure(message_id, claimed_at)
                break  # the server is down or slow: the others wait for the sweep
            _record_sent(message_id)
            sent += 1
    finally:
        try:
            connection.close()
        except Exception:  # a connection that broke mid-batch
            logger.debug("closing the mail connection failed", exc_info=True)
    return sent


def send_message_notices(*, message_ids: list[int]) -> int:
    """The first attempt at the notices of messages just posted."""
    return _deliver(message_ids, first=True)


def send_due_notices(*, now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """The sweep: send the notices whose moment has come (retries, and those whose job was
    lost). Safe to run twice at once."""
    ids = list(due_notices(now=now).values_list("pk", flat=True)[:limit])
    return _deliver(ids, first=False) if ids else 0


def unsent_notices() -> int:
    """How many notices are due and not sent yet (for the metrics)."""
    return Message.objects.filter(notice_due=True, notice_sent_at__isnull=True).count()


def notice_metrics() -> dict[str, int | None]:
    """For /health/metrics/: notices due and not sent, how long the oldest has waited,
    and the most attempts one of them has had."""
    unsent = Message.objects.filter(notice_due=True, notice_sent_at__isnull=True)
    found = unsent.aggregate(
        count=Count("pk"), oldest=Min("created_at"), attempts=Max("notice_attempts")
    )
    oldest = found["oldest"]
    return {
        "unsent": found["count"],
        "oldest_unsent_seconds": round((timezone.now() - oldest).total_seconds())
        if oldest
        else None,
        "most_attempts": found["attempts"] or 0,
    }


@shared_task(name="accounts.tasks.send_message_notices", acks_late=True)
def send_message_notices_task(message_ids: list[int]) -> int:
    return send_message_notices(message_ids=message_ids)


@shared_task(name="accounts.tasks.send_due_notices", acks_late=True)
def send_due_notices_task() -> int:
    return send_due_notices()
