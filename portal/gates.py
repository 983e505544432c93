"""Expensive requests a few at a time on a machine, so that a rush of them leaves the rest
of the portal served.

A booking POST costs about five times an office page. A request waiting at a gate holds
its worker (a sync process, or a thread of a gthread one) but no processor: while the
bookings inside are made, the other workers go on serving pages. A gate of width N lets
N requests of the machine in at once: first one of N places in its process (waited on
with a timeout), then one of N file locks shared by the processes of the machine
(`gate-<name>-<i>.lock`, flock): the place's own file descriptors try each lock in turn,
and if all are held, wait for the place's own lock (only the N threads of each process
that hold a place wait there, for one request at most). A lock held by a process that
dies is released by the kernel. On a system without fcntl the gate is the process's
places alone.

The width is `Gate(width=…)`, or else the setting `<NAME>_GATE_WIDTH` (1 if absent), read
at each use.
"""

import os
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS
    fcntl = None  # type: ignore[assignment]


@dataclass
class _Places:
    """A process's places at a gate of one width: the free ones, and each place's file
    descriptors for the N lock files (opened at the first use of the place)."""

    pid: int
    width: int
    free: queue.SimpleQueue[int] = field(default_factory=queue.SimpleQueue)
    files: dict[int, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for place in range(self.width):
            self.free.put(place)


class Gate:
    def __init__(
        self,
        name: str,
        folder: Path | None = None,
        *,
        timeout: float = 20.0,
        width: int | None = None,
    ) -> None:
        self.name = name
        self.timeout = timeout  # how long a request waits for a place at most
        self.folder = folder  # None: settings.VAR_DIR, read at the first use
        self.width = width  # None: the setting <NAME>_GATE_WIDTH, read at each use
        self._setup = threading.Lock()
        self._places: _Places | None = None  # made in each process, after the fork

    def current_width(self) -> int:
        if self.width is not None:
            return self.width
        return int(getattr(settings, f"{self.name.upper()}_GATE_WIDTH", 1))

    def _places_here(self) -> _Places:
        # Made in each process, and again if the width changed: a file description
        # shared across a fork would be one lock holder for every process.
        width, pid = self.current_width(), os.getpid()
        with self._setup:
            places = self._places
            if places is None or places.pid != pid or places.width != width:
                self._places = places = _Places(pid=pid, width=width)
            return places

    def _files(self, places: _Places, place: int) -> list[int]:
        # Only the thread holding `place` uses (and opens) its descriptors.
        if place not in places.files:
            folder = self.folder or Path(settings.VAR_DIR)
            folder.mkdir(parents=True, exist_ok=True)
            places.files[place] = [
                os.open(folder / self._file_name(i, places.width), os.O_RDWR | os.O_CREAT, 0o600)
                for i in range(places.width)
            ]
        return places.files[place]

    def _file_name(self, i: int, width: int) -> str:
        # Width 1 keeps the lock file of the gate before it had a width.
        return f"gate-{self.name}.lock" if width == 1 else f"gate-{self.name}-{i}.lock"

    def _lock_a_file(self, places: _Places, place: int) -> int:
        """Take one of the machine's N locks: the first free one from the place's own,
        else wait for the place's own."""
        files = self._files(places, place)
        for k in range(places.width):
            fd = files[(place + k) % places.width]
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            return fd
        fd = files[place]
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    @contextmanager
    def passed(self, timeout: float | None = None) -> Iterator[bool]:
        """True while this thread holds one of the gate's places; False if it waited
        `timeout` seconds (None: the gate's) for a place in its process."""
        places = self._places_here()
        try:
            place = places.free.get(timeout=self.timeout if timeout is None else timeout)
        except queue.Empty:
            yield False
            return
        try:
            if fcntl is None:
                yield True
                return
            fd = self._lock_a_file(places, place)
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            places.free.put(place)


def gated(gate: Gate):
    """A view whose POSTs pass `gate` (a few at a time); one that waited the gate's
    timeout is answered 503 "try again" and changes nothing. Other methods do not wait."""

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
