from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notify_terms_revision(version_id: int) -> int:
    return services.notify_revision(version_id=version_id)


@shared_task(acks_late=True)
def sweep_terms_revision_notices() -> int:
    return services.sweep_revision_notices()
