"""Enqueue background jobs after the transaction commits, without ever failing a request.

If the broker is down at that moment, the job is not sent: the error is logged and the
periodic sweeper of that job finds the committed state and sends it again later. The job
carries the id of the request that enqueued it (portal.requestlog).

`sent_after` holds back the sends of a view's commits until the view has returned: a
booking POST makes its booking inside a gate (portal.gates) that lets a few in at a time,
and its two jobs (0.6 ms of processor time each) then leave outside it, so the next POST
waits that much less. A job held back is committed state like any other: if the process
dies before it is sent, the sweeper sends it.
"""

import logging
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps

from celery import Task
from django.db import transaction

from . import requestlog

logger = logging.getLogger(__name__)

# The sends held back by the `sent_after` views running in this context (None: none).
_held: ContextVar[list[Callable[[], None]] | None] = ContextVar("held_jobs", default=None)


def enqueue_on_commit(task: Task, *args: object) -> None:
    # The id of the request that made the change, even if the commit comes after it.
    request_id = requestlog.current.get()
    headers = {"request_id": request_id} if request_id != requestlog.NONE else {}

    def send() -> None:
        try:
            task.apply_async(args=args, retry=False, headers=headers)
        except Exception:
            logger.warning("could not enqueue %s%r; the sweeper will send it", task.name, args)

    def send_or_hold() -> None:
        held = _held.get()
        if held is None:
            send()
        else:
            held.append(send)

    transaction.on_commit(send_or_hold)


def sent_after(view):
    """A view whose commits' jobs are sent once it has returned (or raised), in the order
    they were committed, instead of at each commit. Put it outside what the sends should
    not hold up: `@sent_after` above `@gated(...)`."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        token = _held.set([])
        try:
            return view(*args, **kwargs)
        finally:
            held = _held.get() or []
            _held.reset(token)
            for send in held:
                send()

    return wrapped
