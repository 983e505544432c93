"""The office wall of the admin: the one mechanism every staff page goes through.

Each office holds its people's data as at its own counter (職業安定法5条の4, K8): staff see
and change only what belongs to their offices, with what their role there allows
(`selectors.staff`). `wall_admin_site(site)` wraps every registered ModelAdmin — the
portal's and the third-party ones — in `OfficeWallMixin`, which scopes:

- querysets (lists, change/delete/history pages, search, autocomplete, actions) to the
  rows of the offices where the staff member holds the model's permission;
- the permission checks of each row to the role at the row's office;
- the choices of every foreign key and many-to-many field, and every related list filter,
  to what the staff member may see;
- every action to the rows of the offices where the action's permission is held.

A model without a `Wall` below is for national administrators (superusers) only: a model
added later is walled off until someone says how it belongs to offices.
"""

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accounts.models import StaffAccess, User
from accounts.selectors import signed_in_user

from ..models import Office
from ..selectors.staff import Walls, people_of, walls_of


@dataclass(frozen=True)
class Wall:
    """How a model's rows belong to offices.

    `office_path`: the lookup from a row to its office (or offices). `people`: the rows
    are people (or keyed by a person at `office_path`): visible where the person is one
    of the office's people. `own_path`: the lookup to a staff user; where the staff member
    lacks `team_perm` at the office, they see only their own rows there.
    """

    office_path: str = "office"
    people: bool = False
    own_path: str = ""
    team_perm: str = "bookings.manage_team"
    # The person a row is about ("self" for a user, a foreign key's name otherwise): a
    # staff member's lists and exports of such rows are recorded, person by person.
    person: str = ""


WALLS: dict[str, Wall] = {
    "bookings.office": Wall("pk"),
    "bookings.counsellor": Wall("office", own_path="user"),
    "bookings.slottemplate": Wall("office", own_path="counsellor__user"),
    "bookings.slot": Wall("office"),
    "bookings.officeclosure": Wall("office"),
    "bookings.absence": Wall("counsellor__office", own_path="counsellor__user"),
    "bookings.booking": Wall("slot__office", person="user"),
    "bookings.issuedaccount": Wall("office", person="user"),
    "bookings.staffmembership": Wall("office"),
    "bookings.suspension": Wall("office", person="user"),
    "bookings.continuingsupport": Wall("office", person="user"),
    "bookings.waitingentry": Wall("slot__office", person="user"),
    "terms.termsdocument": Wall("offices"),
    "terms.termsversion": Wall("document__offices"),
    "terms.consent": Wall("version__document__offices", person="user"),
    "accounts.user": Wall("pk", people=True, person="self"),
    "accounts.profile": Wall("user", people=True, person="user"),
    # A mailbox message names the office it comes from in its parameters.
    "accounts.message": Wall("params__office_id", person="user"),
}

# Actions whose rows need a permission of the office beyond the model's own.
ACTION_PERMS: dict[str, str] = {
    "bookings.office.issue_account": "bookings.issue_account",
    "bookings.office.generate_open_weeks": "bookings.add_slot",
    "bookings.office.publish_slots": "bookings.manage_team",
    "bookings.booking.suspend_person": "bookings.suspend_person",
    "bookings.suspension.lift": "bookings.suspend_person",
    "bookings.issuedaccount.reissue": "bookings.issue_account",
    "terms.termsdocument.draft_new_version": "terms.add_termsversion",
    "terms.termsversion.publish": "bookings.publish_terms",
    "terms.consent.export_csv": "bookings.export_consents",
}


def record_views(
    request: HttpRequest, wall: Wall, rows: list[Model], *, what: str, note: str = ""
) -> None:
    """One staff-access record per row shown or exported: who, whose, what, when."""
    accesses = [
        StaffAccess(
            staff=signed_in_user(request),
            subject_id=row.pk if wall.person == "self" else getattr(row, f"{wall.person}_id"),
            what=what,
            object_id=str(row.pk),
            note=note,
        )
        for row in rows
    ]
    StaffAccess.objects.bulk_create(accesses)


def wall_for(model: type[Model]) -> Wall | None:
    return WALLS.get(model._meta.label_lower)


def perm_name(model: type[Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def office_filter(wall: Wall, offices: set[int]) -> Q:
    if wall.people:
        prefix = "" if wall.office_path == "pk" else f"{wall.office_path}__"
        ids = User.objects.filter(people_of(offices)).values("pk")
        return Q(**{f"{prefix}pk__in": ids})
    return Q(**{f"{wall.office_path}__in": offices})


def within(
    queryset: QuerySet[Any], user: User, perm: str, *, model: type[Model] | None = None
) -> QuerySet[Any]:
    """The rows of `queryset` at the offices where `user` holds `perm` (own rows only
    where the wall says so and the role does not cover the whole team)."""
    model = model or queryset.model
    walls = walls_of(user)
    if walls.everywhere:
        return queryset
    wall = wall_for(model)
    offices = walls.offices_with(perm) or set()
    if wall is None or not offices:
        return queryset.none()
    if wall.people:
        return queryset.filter(office_filter(wall, offices))
    condition = office_filter(wall, offices)
    if wall.own_path:
        team = offices & (walls.offices_with(wall.team_perm) or set())
        condition = office_filter(wall, team) | (
            office_filter(wall, offices) & Q(**{wall.own_path: user})
        )
    return queryset.filter(condition).distinct()


def offices_of(obj: Model) -> set[int]:
    """The offices a row belongs to (a person: every office where they are one of its
    people)."""
    wall = wall_for(type(obj))
    if wall is None:
        return set()
    if wall.people:
        person = obj if isinstance(obj, User) else getattr(obj, wall.office_path)
        return set(
            Office.objects.filter(
                Q(slots__bookings__user=person)
                | Q(terms_documents__versions__consents__user=person)
                | Q(issued_accounts__user=person)
                | Q(memberships__user=person)
            ).values_list("pk", flat=True)
        )
    found = type(obj)._default_manager.filter(pk=obj.pk).values_list(wall.office_path, flat=True)
    return {office for office in found if office is not None}


def may_at(user: User, perm: str, obj: Model | None = None) -> bool:
    """`perm` for this row (at one of its offices), or without a row at one office."""
    walls = walls_of(user)
    if walls.everywhere:
        return True
    if obj is None:
        return wall_for_perm(perm) and walls.may(perm)
    if wall_for(type(obj)) is None:
        return False
    return within(type(obj)._default_manager.filter(pk=obj.pk), user, perm).exists()


def wall_for_perm(perm: str) -> bool:
    """Office staff hold a model's permission only for walled models."""
    app_label, _, codename = perm.partition(".")
    model_name = codename.partition("_")[2]
    label = f"{app_label}.{model_name}"
    return label in WALLS or (app_label == "bookings" and model_name in ("", "report"))


def request_walls(request: HttpRequest) -> Walls:
    return walls_of(request.user)  # type: ignore[arg-type]


class OfficeWallMixin:
    """Put in front of every registered ModelAdmin by `wall_admin_site`."""

    model: type[Model]

    # Querysets ---------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        return within(queryset, request.user, perm_name(self.model, "view"))  # type: ignore[arg-type]

    # Permissions -------------------------------------------------------------------------

    def _may(self, request: HttpRequest, action: str, obj: Model | None) -> bool:
        if not request.user.is_active or not request.user.is_staff:
            return False
        if request_walls(request).everywhere:
            return True
        if wall_for(self.model) is None:
            return False
        perm = perm_name(self.model, action)
        if not request.user.has_perm(perm):
            return False
        return may_at(request.user, perm, obj)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        allowed = super().has_view_permission(request, obj)  # type: ignore[misc]
        return allowed and (self._may(request, "view", obj) or self._may(request, "change", obj))

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)  # type: ignore[misc]
        return allowed and self._may(request, "change", obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        allowed = super().has_add_permission(request, *args)  # type: ignore[misc]
        return allowed and self._may(request, "add", None)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)  # type: ignore[misc]
        return allowed and self._may(request, "delete", obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        allowed = super().has_module_permission(request)  # type: ignore[misc]
        return allowed and (request_walls(request).everywhere or wall_for(self.model) is not None)

    # Form choices ------------------------------------------------------------------------

    def _choices(self, request: HttpRequest, related: type[Model], queryset: QuerySet[Any]):
        if related is Office:
            # The offices where the staff member may add or change this model's rows.
            walls = request_walls(request)
            if walls.everywhere:
                return queryset
            offices = (walls.offices_with(perm_name(self.model, "add")) or set()) | (
                walls.offices_with(perm_name(self.model, "change")) or set()
            )
            return queryset.filter(pk__in=offices)
        return within(queryset, request.user, perm_name(related, "view"), model=related)  # type: ignore[arg-type]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self._choices(request, db_field.related_model, field.queryset)
        return field

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and hasattr(field, "queryset"):
            field.queryset = self._choices(request, db_field.related_model, field.queryset)
        return field

    # List filters ------------------------------------------------------------------------

    def get_list_filter(self, request: HttpRequest) -> Iterable[Any]:
        """A filter on a relation offers only the related rows that occur in the (walled)
        list, never another office's."""
        walled = []
        for item in super().get_list_filter(request):  # type: ignore[misc]
            if isinstance(item, str):
                try:
                    field = get_fields_from_path(self.model, item)[-1]
                except Exception:
                    field = None
                if field is not None and field.is_relation:
                    item = (item, admin.RelatedOnlyFieldListFilter)
            walled.append(item)
        return walled

    # Staff views ---------------------------------------------------------------------------

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        """A list (or a search) of people's records is a view of each person shown."""
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        wall = wall_for(self.model)
        changelist = getattr(response, "context_data", {}).get("cl")
        if wall is not None and wall.person and changelist is not None:
            query = request.GET.get("q", "")
            record_views(
                request,
                wall,
                list(changelist.result_list),
                what=f"list:{self.model._meta.model_name}",
                note=f"search: {query}"[:200] if query else "",
            )
        return response

    # Actions -----------------------------------------------------------------------------

    def get_action(self, action: Any, *args: Any, **kwargs: Any) -> Any:
        found = super().get_action(action, *args, **kwargs)  # type: ignore[misc]
        if found is not None:
            found = dataclasses.replace(found, func=self._walled_action(found.name, found.func))
        return found

    def _walled_action(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        model = self.model
        needed = [
            perm_name(model, codename) for codename in getattr(func, "allowed_permissions", ())
        ]
        extra = ACTION_PERMS.get(f"{model._meta.label_lower}.{name}")
        if extra:
            needed.append(extra)

        def walled(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
            narrowed = queryset
            for perm in needed:
                narrowed = within(narrowed, request.user, perm, model=model)  # type: ignore[arg-type]
            if narrowed.count() != queryset.count():
                modeladmin.message_user(
                    request,
                    _("You may not do this for some of the selected entries. Nothing was done."),
                    messages.ERROR,
                )
                return None
            response = func(modeladmin, request, narrowed)
            wall = wall_for(model)
            if (
                wall is not None
                and wall.person
                and isinstance(response, HttpResponse)
                and response.get("Content-Type", "").startswith("text/csv")
            ):
                rows = list(narrowed)
                record_views(
                    request,
                    wall,
                    rows,
                    what=f"export:{model._meta.model_name}",
                    note=f"{len(rows)} rows",
                )
            return response

        walled.short_description = getattr(func, "short_description", name)  # type: ignore[attr-defined]
        if hasattr(func, "allowed_permissions"):
            walled.allowed_permissions = func.allowed_permissions  # type: ignore[attr-defined]
        return walled


def walled(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    if issubclass(admin_class, OfficeWallMixin):
        return admin_class
    return type(
        admin_class.__name__,
        (OfficeWallMixin, admin_class),
        {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
    )


def wall_admin_site(site: admin.AdminSite) -> None:
    """Wrap every ModelAdmin registered on `site` (and every inline) in the office wall."""
    for model, model_admin in list(site._registry.items()):
        admin_class = type(model_admin)
        if isinstance(model_admin, OfficeWallMixin):
            continue
        admin_class = walled(admin_class)
        admin_class.inlines = [walled_inline(inline) for inline in admin_class.inlines]
        site._registry[model] = admin_class(model, site)


def walled_inline(inline: type[Any]) -> type[Any]:
    if issubclass(inline, OfficeWallMixin):
        return inline
    return type(
        inline.__name__,
        (InlineWallMixin, inline),
        {"__module__": inline.__module__, "__qualname__": inline.__qualname__},
    )


class InlineWallMixin(OfficeWallMixin):
    """An inline is shown on its parent's page, which the wall has already let through.
    Rows of a walled model are walled like any list; rows that belong to the parent alone
    (its events, rooms, sign-ins) are seen by whoever may see the parent."""

    parent_model: type[Model]
    admin_site: admin.AdminSite

    def _parent_admin(self) -> Any:
        return self.admin_site._registry.get(self.parent_model)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super(OfficeWallMixin, self).get_queryset(request)  # type: ignore[misc]
        if wall_for(self.model) is None:
            return queryset
        return within(queryset, request.user, perm_name(self.model, "view"))  # type: ignore[arg-type]

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if wall_for(self.model) is not None:
            return super().has_view_permission(request, obj)
        parent = self._parent_admin()
        return parent is not None and parent.has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if wall_for(self.model) is not None:
            return super().has_change_permission(request, obj)
        return request_walls(request).everywhere and super(
            OfficeWallMixin, self
        ).has_change_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if wall_for(self.model) is not None:
            return super().has_add_permission(request, obj)
        return request_walls(request).everywhere and super(
            OfficeWallMixin, self
        ).has_add_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if wall_for(self.model) is not None:
            return super().has_delete_permission(request, obj)
        return request_walls(request).everywhere and super(
            OfficeWallMixin, self
        ).has_delete_permission(request, obj)  # type: ignore[misc]
