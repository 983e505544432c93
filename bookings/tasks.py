from celery import shared_task

from . import services


@shared_task(acks_late=True)
def generate_open_slots() -> int:
    return services.generate_open_slots()
