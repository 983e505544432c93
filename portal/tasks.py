from celery import shared_task

from . import services


@shared_task
def record_heartbeat(name: str = "worker") -> None:
    """Sent by the beat every minute; /health/ reports when a worker last ran it."""
    services.record_heartbeat(name=name)
