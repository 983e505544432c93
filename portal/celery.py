"""The Celery application: `celery -A portal worker` and `celery -A portal beat`."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

from .requestlog import NONE, current, install_record_factory, sane

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

install_record_factory()

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_filesystem_queue_folders(sender: Celery, **kwargs: object) -> None:
    """The embedded broker keeps messages in folders; make sure they exist."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if folder := options.get(key):
            Path(folder).mkdir(parents=True, exist_ok=True)


@task_prerun.connect
@task_postrun.connect
def _database_connections_between_tasks(sender=None, **kwargs: object) -> None:
    """What Django does around each request, around each task: a connection that failed
    or outlived CONN_MAX_AGE is closed, and the one kept is health-checked (with
    CONN_HEALTH_CHECKS) before its next query. Opening a connection per task, Celery's
    default, costs more than the room job's own queries."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # run inside the caller's process and transaction: not ours to touch
    from django.db import close_old_connections

    close_old_connections()


@before_task_publish.connect
def _carry_the_request_id(headers: dict | None = None, **kwargs: object) -> None:
    """A job enqueued while a request (or a job of one) runs carries its request id."""
    request_id = current.get()
    if headers is not None and request_id != NONE:
        headers.setdefault("request_id", request_id)


@task_prerun.connect
def _request_id_of_the_job(task=None, **kwargs: object) -> None:
    """The worker's log lines of a job show the id of the request that enqueued it."""
    if getattr(getattr(task, "request", None), "is_eager", False):
        return  # run inside the caller, whose id stays
    request_id = getattr(getattr(task, "request", None), "request_id", None)
    if isinstance(request_id, str) and sane(request_id):
        current.set(request_id)
    else:
        current.set(NONE)


@task_postrun.connect
def _no_request_id_between_jobs(task=None, **kwargs: object) -> None:
    if not getattr(getattr(task, "request", None), "is_eager", False):
        current.set(NONE)
