"""The rendered week of free slots is cached per office, day, week and language: it is the
same for everyone and the heaviest part of the office page. Every change of an office's
slots or bookings bumps the office's version (`changed(office_id)`, inside the
transaction), so the next request renders afresh; entries live 60 s at most."""

from portal.fragments import VersionedFragments

FRAGMENT_SECONDS = 60
_fragments = VersionedFragments("slots", seconds=FRAGMENT_SECONDS)

changed = _fragments.changed
put = _fragments.put


def get(office_id: int, *, language: str, day: str, week: str):
    """(the rendered week or None, the ticket to `put` a fresh one)"""
    return _fragments.get(office_id, language, day, week)
