"""My Page's lists (upcoming and past bookings, immediate consultations, agreed terms) are
rendered once per person and language and kept until they change. Every save or delete of
the person's bookings or consents bumps their version on commit (signals connected in
`apps.py`); bulk UPDATEs of bookings call `changed` themselves. Entries live 60 s at most,
which bounds what the clock alone changes (a consultation ending, revised terms coming
into force) and any edit made outside the models' save()."""

from portal.fragments import VersionedFragments

FRAGMENT_SECONDS = 60
_fragments = VersionedFragments("mypage", seconds=FRAGMENT_SECONDS)

changed = _fragments.changed
put = _fragments.put


def get(user_id: int, *, language: str):
    """(the rendered lists or None, the ticket to `put` fresh ones)"""
    return _fragments.get(user_id, language)


def person_changed(sender, instance, **kwargs) -> None:
    """A booking or a consent of `instance.user` was saved or deleted."""
    changed(instance.user_id)


def slot_saved(sender, instance, created: bool, **kwargs) -> None:
    """A slot's time edited in admin shows on the My Page of everyone booked on it."""
    if created:
        return
    for user_id in instance.bookings.values_list("user_id", flat=True).distinct():
        changed(user_id)
