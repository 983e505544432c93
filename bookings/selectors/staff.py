"""Who works where, and what they may do there: the reads behind the office wall.

A staff member's memberships give them a role at each of their offices; a role's
permissions are those of its group (`StaffMembership.group_name(role)`), which national
administrators edit in admin. A superuser is a national administrator: every office, every
permission. Read once per request (kept on the user object)."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet

from accounts.models import User

from ..models import StaffMembership


@dataclass
class Walls:
    """The offices of a staff member, their role at each, and each role's permissions
    ("app_label.codename")."""

    everywhere: bool = False
    roles: dict[int, str] = field(default_factory=dict)
    permissions: dict[str, frozenset[str]] = field(default_factory=dict)

    def offices(self) -> set[int]:
        return set(self.roles)

    def offices_with(self, perm: str) -> set[int] | None:
        """The offices where the staff member holds `perm`; None means every office."""
        if self.everywhere:
            return None
        return {
            office
            for office, role in self.roles.items()
            if perm in self.permissions.get(role, frozenset())
        }

    def may(self, perm: str, office_id: int | None = None) -> bool:
        """`perm` at that office (or, without one, at one office at least)."""
        if self.everywhere:
            return True
        offices = self.offices_with(perm) or set()
        return bool(offices) if office_id is None else office_id in offices

    def all_permissions(self) -> set[str]:
        if self.everywhere:
            return set()
        return set().union(*(self.permissions.get(role, set()) for role in self.roles.values()))


def role_permissions(roles: Iterable[str]) -> dict[str, frozenset[str]]:
    names = {StaffMembership.group_name(role): role for role in roles}
    found: dict[str, set[str]] = {role: set() for role in names.values()}
    rows = Permission.objects.filter(group__name__in=names).values_list(
        "group__name", "content_type__app_label", "codename"
    )
    for group, app_label, codename in rows:
        found[names[group]].add(f"{app_label}.{codename}")
    return {role: frozenset(perms) for role, perms in found.items()}


def walls_of(user: User) -> Walls:
    cached: Walls | None = getattr(user, "_office_walls", None)
    if cached is not None:
        return cached
    if not user.is_active or not user.is_authenticated:
        walls = Walls()
    elif user.is_superuser:
        walls = Walls(everywhere=True)
    else:
        roles = dict(StaffMembership.objects.filter(user=user).values_list("office_id", "role"))
        walls = Walls(roles=roles, permissions=role_permissions(set(roles.values())))
    user._office_walls = walls  # type: ignore[attr-defined]
    return walls


def people_of(offices: set[int] | None) -> Q:
    """The people an office's staff may see (as a filter on users): those with a booking,
    a consent to the office's terms, an issued account, or a membership there."""
    if offices is None:
        return Q()
    return (
        Q(bookings__slot__office__in=offices)
        | Q(consents__version__document__offices__in=offices)
        | Q(issued_accounts__office__in=offices)
        | Q(staff_memberships__office__in=offices)
    )


def visible_people(queryset: QuerySet[User], offices: set[int] | None) -> QuerySet[User]:
    if offices is None:
        return queryset
    ids = User.objects.filter(people_of(offices)).values("pk")
    return queryset.filter(pk__in=ids)
