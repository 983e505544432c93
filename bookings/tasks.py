"""The Celery tasks of bookings, defined beside the services they wrap; re-exported here so
that `celery -A portal` finds them (autodiscovery imports `bookings.tasks`). Their names
(`bookings.tasks.…`) are kept as they were, for queued jobs and the beat schedule."""

from .services.alerts import alert_overdue_requests_task
from .services.attendance import sweep_no_shows_task
from .services.expiry import expire_requests_task
from .services.reminders import send_reminders_task
from .services.rooms import (
    delete_room_at_provider_task,
    delete_session_room_at_provider_task,
    issue_room_task,
    sweep_rooms_task,
)
from .services.slots import generate_open_slots_task
from .services.waiting_offers import sweep_waiting_lists_task

__all__ = [
    "alert_overdue_requests_task",
    "delete_room_at_provider_task",
    "delete_session_room_at_provider_task",
    "expire_requests_task",
    "generate_open_slots_task",
    "issue_room_task",
    "send_reminders_task",
    "sweep_no_shows_task",
    "sweep_rooms_task",
    "sweep_waiting_lists_task",
]
