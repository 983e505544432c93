"""Whether a person's use is suspended at an office (T9, I8(2)): by the office itself, or
everywhere by a national administrator."""

from django.db.models import Q

from accounts.models import User

from ..models import Office, Suspension


def active_suspensions(user: User) -> list[Suspension]:
    """The person's suspensions in force, read once per request (kept on the user)."""
    found: list[Suspension] | None = getattr(user, "_active_suspensions", None)
    if found is None:
        found = list(
            Suspension.objects.filter(user=user, lifted_at__isnull=True).select_related("office")
        )
        user._active_suspensions = found  # type: ignore[attr-defined]
    return found


def forget_suspensions(user: User) -> None:
    """After a change: the next read of `user`'s suspensions goes to the database."""
    user.__dict__.pop("_active_suspensions", None)


def suspension_at(user: User, office: Office | int) -> Suspension | None:
    """The suspension that stops the person at the office (its own, or one everywhere)."""
    if not user.is_authenticated:
        return None
    office_id = office if isinstance(office, int) else office.pk
    for suspension in active_suspensions(user):
        if suspension.office_id in (None, office_id):
            return suspension
    return None


def is_suspended_at(user: User, office: Office | int) -> bool:
    return suspension_at(user, office) is not None


def suspended_offices(user: User) -> Q:
    """A filter on offices where the person is suspended."""
    suspensions = active_suspensions(user)
    if any(s.office_id is None for s in suspensions):
        return Q()
    return Q(pk__in=[s.office_id for s in suspensions])
