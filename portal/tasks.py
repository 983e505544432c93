from celery import shared_task

from . import services


@shared_task
def record_heartbeat(name: str = "worker") -> None:
    services.record_heartbeat(name=name)


@shared_task(ignore_result=True)
def noop(counter_key: str = "") -> None:
    """The benchmark's yardstick for jobs: one Redis INCR, nothing else."""
    if counter_key:
        from django.core.cache import cache

        try:
            cache.incr(counter_key)
        except ValueError:
            cache.set(counter_key, 1, timeout=3600)
