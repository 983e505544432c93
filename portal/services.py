from django.db import transaction
from django.utils import timezone

from .models import WorkerHeartbeat


@transaction.atomic
def record_heartbeat(*, name: str) -> WorkerHeartbeat:
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"seen_at": timezone.now()}
    )
    return heartbeat
