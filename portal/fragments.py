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

    def _version_key(self, owner_id: int) -> str:
        return f"{self.namespace}:version:{owner_id}"

    def changed(self, owner_id: int) -> None:
        """Call inside the transaction that makes the change: the bump happens on commit,
        so no request can cache the state from before it under the new version."""

        def bump() -> None:
            try:
                cache.incr(self._version_key(owner_id))
            except ValueError:
                cache.set(self._version_key(owner_id), 2, None)

        transaction.on_commit(bump)

    def get(self, owner_id: int, *parts: str) -> tuple[object | None, Ticket]:
        """The fragment if it is current (else None), and the ticket to `put` a fresh one.

        The version is read before the caller renders: a change committed meanwhile makes
        the stored fragment stale at once, never the reverse."""
        version_key = self._version_key(owner_id)
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
