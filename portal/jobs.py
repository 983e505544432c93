"""Enqueue background jobs after the transaction commits, without ever failing a request.

If the broker is down at that moment, the job is not sent: the error is logged and the
periodic sweeper of that job finds the committed state and sends it again later.
"""

import logging

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, *args: object) -> None:
    def send() -> None:
        try:
            task.apply_async(args=args, retry=False)
        except Exception:
            logger.warning("could not enqueue %s%r; the sweeper will send it", task.name, args)

    transaction.on_commit(send)
