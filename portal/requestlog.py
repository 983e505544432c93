"""Request ids and the request log.

Every request gets an id: the incoming `X-Request-ID` when it is sane (a proxy or load
balancer set it), else a new one. It is returned in the response's `X-Request-ID`, shown
in every log line written while the request runs (`%(request_id)s`, "-" outside one), and
carried by every Celery job the request enqueues (a message header set by the
`before_task_publish` signal in portal.celery), so the worker's lines of that job show it
too; a job enqueued by such a job carries it on.

`RequestLog` writes one line per request to the `portal.requests` logger, as JSON: id,
method, the URL pattern matched (never the path itself: it may hold a key or a token, and
a query string may hold a name), status and duration. No personal data.
"""

import contextvars
import json
import logging
import re
import time
import uuid

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
NONE = "-"
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,99}")

current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default=NONE)
logger = logging.getLogger("portal.requests")


def sane(value: object) -> bool:
    """8 to 100 letters, digits and . _ : - (a UUID, a proxy's id): nothing that could
    forge a log line or carry personal data."""
    return isinstance(value, str) and _SANE.fullmatch(value) is not None


def new_id() -> str:
    return uuid.uuid4().hex


def install_record_factory() -> None:
    """Every log record of this process gets `request_id` (the current one, or "-")."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = current.get()
        return record

    factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def _route(request: HttpRequest) -> str:
    match = request.resolver_match
    if match is not None and match.route:
        return "/" + match.route
    return "(unmatched)"


class RequestLog:
    """The request id, and one log line per request. First in MIDDLEWARE: it times the
    whole request and sees the response every other middleware made."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(HEADER)
        request_id = incoming if incoming and sane(incoming) else new_id()
        token = current.set(request_id)
        started = time.monotonic()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[HEADER] = request_id
            return response
        finally:
            logger.info(
                "%s",
                json.dumps(
                    {
                        "request_id": request_id,
                        "method": request.method,
                        "path": _route(request),
                        "status": status,
                        "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    }
                ),
            )
            current.reset(token)
