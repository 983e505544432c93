"""Permissions from office roles: a staff member holds the permissions of their role at
each of their offices (`selectors.staff`). Django's admin asks for a model permission
without an office; the office wall (`admin/scoping.py`) asks per office."""

from django.contrib.auth.backends import BaseBackend
from django.db.models import Model

from accounts.models import User

from .selectors.staff import walls_of


class OfficeRoleBackend(BaseBackend):
    def get_all_permissions(self, user_obj: User, obj: Model | None = None) -> set[str]:  # type: ignore[override]
        if not user_obj.is_active or user_obj.is_anonymous or not user_obj.is_staff:
            return set()
        return walls_of(user_obj).all_permissions()
