from celery import shared_task

from . import usage
from .outbox import send_due_notices_task, send_message_notices_task

__all__ = [
    "flush_usage_records",
    "purge_usage_records",
    "send_due_notices_task",
    "send_message_notices_task",
]


@shared_task(acks_late=True)
def flush_usage_records() -> int:
    """The usage records the requests appended to Redis, into the table (every minute)."""
    return usage.flush_pending()


@shared_task(acks_late=True)
def purge_usage_records() -> dict[str, int]:
    return usage.purge()
