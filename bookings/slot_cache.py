"""The rendered week of free slots is cached per office, week and language: it is the same
for everyone and the heaviest part of the office page. Every change of an office's slots or
bookings bumps the office's version, so the next request renders afresh; a short lifetime
bounds anything a change made outside the services (raw SQL, the shell) could leave."""

from django.core.cache import cache
from django.db import transaction

FRAGMENT_SECONDS = 60


def _key(office_id: int) -> str:
    return f"slots:version:{office_id}"


def version(office_id: int) -> int:
    return cache.get_or_set(_key(office_id), 1, None)


def changed(office_id: int) -> None:
    """Call inside the transaction that changes slots or bookings of the office."""

    def bump() -> None:
        try:
            cache.incr(_key(office_id))
        except ValueError:
            cache.set(_key(office_id), 2, None)

    transaction.on_commit(bump)


def fragment_key(office_id: int, *, language: str, day: str, week: str) -> str:
    return f"slots:html:{office_id}:{version(office_id)}:{language}:{day}:{week}"


def get(key: str) -> str | None:
    return cache.get(key)


def put(key: str, html: str) -> None:
    cache.set(key, html, FRAGMENT_SECONDS)
