"""A real worker process, on Redis, runs a task that writes to the database."""

import pytest

from portal.models import WorkerHeartbeat
from portal.tasks import record_heartbeat
from tests.support.worker import celery_worker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_runs_a_task_that_writes_to_the_database():
    with celery_worker() as (process, queue):
        record_heartbeat.apply_async(args=["test-worker"], queue=queue)
        wait_for(
            lambda: WorkerHeartbeat.objects.filter(name="test-worker").exists(),
            timeout=30,
            what="the worker's write",
        )
        assert process.poll() is None
        assert "portal.tasks.record_heartbeat" in process.log_path.read_text()
