"""Enqueue background jobs after the transaction commits, without ever failing a request.

If the broker is down at that moment, the job is not sent: the error is logged and the
periodic sweeper of that job finds the committed state and sends it again later. The job
carries the id of the request that enqueued it (portal.requestlog).
"""

import logging

from celery import Task
from django.db import transaction

from . import requestlog

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *args: object) -> None:
    # The id of the request that made the change, even if the commit comes after it.
    request_id = requestlog.current.get()
    headers = {"request_id": request_id} if request_id != requestlog.NONE else {}

    def send() -> None:
        try:
            task.apply_async(args=args, retry=False, headers=headers)
        except Exception:
            logger.warning("could not enqueue %s%r; the sweeper will send it", task.name, args)

    transaction.on_commit(send)
