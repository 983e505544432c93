"""A counsellor membership for every existing counsellor, and every existing (global)
suspension as a suspension everywhere. (The roles' groups are made after migrating, by
`bookings.roles.ensure_role_groups`.)"""

from django.db import migrations


def forwards(apps, schema_editor):
    Counsellor = apps.get_model("bookings", "Counsellor")
    StaffMembership = apps.get_model("bookings", "StaffMembership")
    for counsellor in Counsellor.objects.all():
        StaffMembership.objects.get_or_create(
            user_id=counsellor.user_id, office_id=counsellor.office_id, defaults={"role": "counsellor"}
        )
    User = apps.get_model("accounts", "User")
    Suspension = apps.get_model("bookings", "Suspension")
    for user in User.objects.filter(suspended_at__isnull=False):
        Suspension.objects.get_or_create(
            user=user,
            office=None,
            lifted_at=None,
            defaults={"reason": user.suspension_reason or "-", "suspended_at": user.suspended_at},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0010_staff_memberships_and_suspensions"),
        ("accounts", "0006_usage_and_staff_access"),
        ("terms", "0002_published_versions_are_immutable"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
