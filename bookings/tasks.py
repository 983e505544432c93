from celery import shared_task

from . import attendance, rooms, services
from .meetings import ProviderError


@shared_task(acks_late=True)
def generate_open_slots() -> int:
    return services.generate_open_slots()


@shared_task(
    name="bookings.tasks.issue_room",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ProviderError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def issue_room_task(booking_id: int) -> int | None:
    return rooms.issue_room(booking_id=booking_id)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ProviderError,),
    retry_backoff=5,
    max_retries=8,
)
def delete_room_at_provider(room_id: int) -> None:
    rooms.delete_room_at_provider(room_id=room_id)


@shared_task(acks_late=True)
def sweep_rooms() -> int:
    return rooms.sweep_rooms()


@shared_task(acks_late=True)
def send_reminders() -> int:
    return rooms.send_reminders()


@shared_task(acks_late=True)
def sweep_no_shows() -> int:
    return attendance.sweep_no_shows()
