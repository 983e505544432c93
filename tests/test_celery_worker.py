"""A real worker process, on Redis, runs a task that writes to the database."""

import pytest

from portal.models import WorkerHeartbeat
from portal.tasks import record_heartbeat
from tests.support.worker import celery_worker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_runs_a_task_that_writes_to_the_database():
    with celery_worker() as (process, queue):
        record_heartbeat.apply_async(args=("test-worker",), queue=queue)
        wait_for(
            lambda: WorkerHeartbeat.objects.filter(name="test-worker").exists(),
            timeout=30,
            what="the worker's write",
        )
        assert process.poll() is None
        assert "portal.tasks.record_heartbeat" in process.log_path.read_text()


def _worker_backends() -> list[tuple[int, object]]:
    """The database sessions of other processes (the worker's) on the test database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        return cursor.fetchall()


def _run_heartbeat(name: str) -> None:
    record_heartbeat.apply_async(args=(name,))
    wait_for(
        lambda: WorkerHeartbeat.objects.filter(name=name).exists(),
        timeout=30,
        what=f"the worker's write of {name}",
    )


def test_the_worker_keeps_its_database_connection_between_tasks():
    """Celery's default opens a connection per task; ours keeps one, as gunicorn does."""
    with celery_worker() as (_process, _queue):
        _run_heartbeat("first")
        after_first = _worker_backends()
        _run_heartbeat("second")
        after_second = _worker_backends()
    assert len(after_first) == 1
    assert after_second == after_first


def test_a_broken_worker_connection_is_replaced_before_the_next_task():
    from django.db import connection

    with celery_worker() as (process, _queue):
        _run_heartbeat("before")
        [(pid, _started)] = _worker_backends()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        _run_heartbeat("after")  # the health check finds the dead connection first
        [(new_pid, _started)] = _worker_backends()
        assert new_pid != pid
        assert "Traceback" not in process.log_path.read_text()
