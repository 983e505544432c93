"""Rendered HTML fragments cached under a version number that every change bumps.

A fragment's key carries the current version of what it shows (an office's slots, a
person's bookings), so a change makes the next request render afresh; nothing has to find
and delete old entries. The lifetime bounds whatever a change outside the code that bumps
(raw SQL, the shell, the clock passing a boundary) could leave behind.
"""

from django.core.cache import cache
from django.db import transaction


class VersionedFragments:
    def __init__(self, namespace: str, *, seconds: int) -> None:
        self.namespace = namespace
        self.seconds = seconds

    def _version_key(self, owner_id: int) -> str:
        return f"{self.namespace}:version:{owner_id}"

    def version(self, owner_id: int) -> int:
        return cache.get_or_set(self._version_key(owner_id), 1, None)

    def changed(self, owner_id: int) -> None:
        """Call inside the transaction that makes the change: the bump happens on commit,
        so no request can cache the state from before it under the new version."""

        def bump() -> None:
            try:
                cache.incr(self._version_key(owner_id))
            except ValueError:
                cache.set(self._version_key(owner_id), 2, None)

        transaction.on_commit(bump)

    def key(self, owner_id: int, *parts: str) -> str:
        version = self.version(owner_id)
        return ":".join([self.namespace, "html", str(owner_id), str(version), *parts])

    def get(self, key: str):
        return cache.get(key)

    def put(self, key: str, value) -> None:
        """`value`: the rendered HTML, or a tuple of rendered parts."""
        cache.set(key, value, self.seconds)
