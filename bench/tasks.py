"""The benchmark's yardstick for jobs. Only a worker with `bench.settings` imports it
(its CELERY_IMPORTS): the product's workers do not know it."""

from celery import shared_task
from django.core.cache import cache


@shared_task(name="bench.tasks.noop", ignore_result=True)
def noop(counter_key: str = "") -> None:
    """One Redis INCR, nothing else."""
    if counter_key:
        try:
            cache.incr(counter_key)
        except ValueError:  # no counter yet
            cache.set(counter_key, 1, timeout=3600)
