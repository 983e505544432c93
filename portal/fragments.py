"""Rendered HTML fragments cached under a version number that every change bumps.

A fragment is stored with the version of what it shows (an office's slots, a person's
bookings) at the time it was rendered; a change bumps the version, so the next request
renders afresh and nothing has to find and delete old entries. The version and the
fragment are read in one round trip. The lifetime bounds whatever a change outside the
code that bumps (raw SQL, the shell, the clock passing a boundary) could leave behind.

With the cache down (portal.cache: errors are ignored) every `get` is a miss, and `put` and
`changed` store nothing and raise nothing; the lifetime also bounds what a bump lost to an
outage that Redis survived with its data could leave behind.
"""

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction


@dataclass(frozen=True)
class Ticket:
    """Where to store a fragment rendered after a miss, and the version it was made at."""

    key: str
    version: int


class VersionedFragments:
    def __init__(self, namespace: str, *, seconds: int) -> None:
        self.namespace = namespace
        self.seconds = seconds

    def version_key(self, owner_id: int) -> str:
        """Where the version of `owner_id`'s fragments is kept (`KeptPages` reads it too)."""
        return f"{self.namespace}:version:{owner_id}"

    def changed(self, owner_id: int) -> None:
        """Call inside the transaction that makes the change: the bump happens on commit,
        so no request can cache the state from before it under the new version."""

        def bump() -> None:
            try:
                cache.incr(self.version_key(owner_id))
            except ValueError:
                cache.set(self.version_key(owner_id), 2, None)

        transaction.on_commit(bump)

    def get(self, owner_id: int, *parts: str) -> tuple[object | None, Ticket]:
        """The fragment if it is current (else None), and the ticket to `put` a fresh one.

        The version is read before the caller renders: a change committed meanwhile makes
        the stored fragment stale at once, never the reverse."""
        version_key = self.version_key(owner_id)
        key = ":".join([self.namespace, "html", str(owner_id), *parts])
        found = cache.get_many([version_key, key])
        version = found.get(version_key)
        if version is None:
            cache.add(version_key, 1, None)
            version = cache.get(version_key, 1)
        entry = found.get(key)
        if entry is not None and entry[0] == version:
            return entry[1], Ticket(key, version)
        return None, Ticket(key, version)

    def put(self, ticket: Ticket, value) -> None:
        """`value`: the rendered HTML, or a tuple of rendered parts."""
        cache.set(ticket.key, (ticket.version, value), self.seconds)


@dataclass(frozen=True)
class PageTicket:
    """Where to store a page rendered after a miss, and the stamps it was made at."""

    key: str
    stamps: tuple[object, ...]


class KeptPages:
    """Whole rendered pages, each kept under the stamps of everything it shows: the
    versions of `VersionedFragments` (an office's slots, a person's state, the offices)
    and any other cached value the page prints (a person's unread count).

    The stamps and the page are read in one round trip. A page is served only if every
    stamp is what it was when the page was rendered; the stamps are read before the
    caller renders, so a change committed meanwhile makes the stored page stale at once.
    A stamp that is missing (never set, forgotten, or the cache down) stores nothing: a
    version is set to 1 for the next request, another value is set by the rendering."""

    def __init__(self, namespace: str, *, seconds: int) -> None:
        self.namespace = namespace
        self.seconds = seconds

    def get(
        self, parts: tuple[str, ...], versions: Sequence[str], others: Sequence[str] = ()
    ) -> tuple[str | None, PageTicket | None]:
        """The page if it is current (else None), and the ticket to `put` a fresh one
        (None when a stamp is missing). `versions`: version keys (`version_key`);
        `others`: other keys whose values the page shows."""
        key = ":".join([self.namespace, *parts])
        stamp_keys = [*versions, *others]
        found = cache.get_many([*stamp_keys, key])
        stamps = tuple(found.get(k) for k in stamp_keys)
        entry = found.get(key)
        if entry is not None and None not in stamps and entry[0] == stamps:
            return zlib.decompress(entry[1]).decode(), None
        missing = [k for k in versions if found.get(k) is None]
        for version_key in missing:
            cache.add(version_key, 1, None)
        if None in stamps:
            return None, None
        return None, PageTicket(key, stamps)

    def put(self, ticket: PageTicket, html: str) -> None:
        """Kept compressed: a page per visitor, the cache holds what a minute's visitors
        saw, at about a sixth of its size."""
        cache.set(ticket.key, (ticket.stamps, zlib.compress(html.encode(), 6)), self.seconds)
