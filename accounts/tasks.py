from celery import shared_task

from . import usage


@shared_task(acks_late=True)
def purge_usage_records() -> dict[str, int]:
    return usage.purge()
