"""The roles of office staff and what each may do by default.

A role's permissions are those of its auth group (`StaffMembership.group_name(role)`):
data that national administrators edit in admin. The groups are made with these defaults
after every migrate (and after a test database is flushed) when they are missing; an
existing group is never changed here."""

from django.apps import AppConfig
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from .models import StaffMembership

COUNSELLOR = [
    "bookings.view_office",
    "bookings.view_counsellor",
    "bookings.change_counsellor",
    "bookings.view_slot",
    "bookings.add_slot",
    "bookings.change_slot",
    "bookings.view_slottemplate",
    "bookings.add_slottemplate",
    "bookings.change_slottemplate",
    "bookings.view_officeclosure",
    "bookings.view_absence",
    "bookings.add_absence",
    "bookings.change_absence",
    "bookings.delete_absence",
    "bookings.view_booking",
    "bookings.change_booking",
    "bookings.view_access_code",
    "bookings.view_suspension",
    "bookings.suspend_person",
    "bookings.view_continuingsupport",
    "bookings.view_waitingentry",
    "terms.view_termsdocument",
    "terms.view_termsversion",
    "terms.view_consent",
    "accounts.view_user",
    "accounts.view_profile",
    "accounts.view_message",
]
MANAGER = [
    *COUNSELLOR,
    "bookings.change_office",
    "bookings.delete_slottemplate",
    "bookings.add_officeclosure",
    "bookings.change_officeclosure",
    "bookings.delete_officeclosure",
    "bookings.view_issuedaccount",
    "bookings.issue_account",
    "bookings.view_report",
    "bookings.lift_restriction",
    "bookings.export_consents",
    "bookings.publish_terms",
    "bookings.view_staffmembership",
    "bookings.manage_team",
    "bookings.add_continuingsupport",
    "bookings.change_continuingsupport",
    "terms.add_termsversion",
    "terms.change_termsversion",
]
DEFAULTS = {StaffMembership.Role.COUNSELLOR: COUNSELLOR, StaffMembership.Role.MANAGER: MANAGER}


def ensure_role_groups(sender: AppConfig | None = None, **kwargs: object) -> None:
    """Make each role's group with its default permissions if it does not exist yet."""
    for role, perms in DEFAULTS.items():
        group, created = Group.objects.get_or_create(name=StaffMembership.group_name(role))
        if not created:
            continue
        wanted = Q()
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(wanted))
