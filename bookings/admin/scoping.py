"""The office wall of the admin: every staff queryset goes through here."""

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest


def staff_office_ids(request: HttpRequest) -> list[int] | None:
    """The offices a staff member works for; None means every office (superuser)."""
    if request.user.is_superuser:
        return None
    counsellor = getattr(request.user, "counsellor", None)
    return [counsellor.office_id] if counsellor else []


class OfficeScopedAdmin(admin.ModelAdmin):
    """Counsellors see the records of their own office only."""

    office_path = "office"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Model]:
        queryset = super().get_queryset(request)
        offices = staff_office_ids(request)
        if offices is None:
            return queryset
        return queryset.filter(**{f"{self.office_path}__in": offices})
