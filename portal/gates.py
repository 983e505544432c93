"""Expensive requests one at a time on a machine, so that a rush of them leaves the rest
of the portal served.

A booking POST costs about ten times an office page. With gthread workers, a request
waiting at a gate holds a thread but no processor: while one booking is made, every other
thread goes on serving pages. A gate is one lock per process (waited on with a timeout)
and then a file lock shared by the processes of the machine (flock; only the one thread
of each process that holds the first lock waits there, for one request at most). On a
system without fcntl the gate is the process lock alone.
"""

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS
    fcntl = None  # type: ignore[assignment]


class Gate:
    def __init__(self, name: str, folder: Path | None = None, *, timeout: float = 20.0) -> None:
        self.name = name
        self.timeout = timeout  # how long a request waits at most
        self.folder = folder  # None: settings.VAR_DIR, read at the first use
        self._here = threading.Lock()
        self._file: tuple[int, int] | None = None  # (pid, fd): opened after the fork

    def _fd(self) -> int:
        # Opened in each process: a file description shared across a fork would be one
        # lock holder for every process.
        if self._file is None or self._file[0] != os.getpid():
            folder = self.folder or Path(settings.VAR_DIR)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"gate-{self.name}.lock"
            self._file = (os.getpid(), os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        return self._file[1]

    @contextmanager
    def passed(self, timeout: float | None = None) -> Iterator[bool]:
        """True while this thread holds the gate; False if it waited `timeout` seconds
        (None: the gate's)."""
        if not self._here.acquire(timeout=self.timeout if timeout is None else timeout):
            yield False
            return
        try:
            if fcntl is None:
                yield True
                return
            fd = self._fd()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._here.release()


def gated(gate: Gate):
    """A view whose POSTs pass `gate` one at a time; one that waited the gate's timeout is
    answered 503 "try again" and changes nothing. Other methods do not wait."""

    def decorate(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method != "POST":
                return view(request, *args, **kwargs)
            with gate.passed() as passed:
                if passed:
                    return view(request, *args, **kwargs)
            response = render(request, "busy.html", status=503)
            response["Retry-After"] = "10"
            return response

        return wrapped

    return decorate
