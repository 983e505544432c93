"""The office wall, walked: every registered admin URL as each kind of staff member, at
their own office (A) and another one (B).

The matrix is generated from the admin registry when the tests are collected, so a model,
action, custom view or autocomplete added later is walked without anyone listing it:
for every registered ModelAdmin its changelist (and search), add page, the change, delete
and history pages of office A's and office B's row, a POST to B's change and delete pages,
every action (of the list and of the change form) on B's row, every custom view
(`get_urls()` beyond the standard five; one that takes an argument gets the pk of A's and
of B's row of the admin's model, and a POST with B's), and the
autocomplete endpoint for every relation to a searchable admin (the declared
`autocomplete_fields` included). Each case runs as a national administrator, a manager
and a counsellor of office A, and a staff member of no office.

- A national administrator reaches everything the admin class allows at all (403 only
  where the class itself refuses, e.g. adding a booking or editing a consent).
- A's manager and counsellor get at office A what their role allows (bookings.roles, as
  the admin class allows it to a national administrator); at office B: 403, 404 or the
  redirect to the index that says the row does not exist. No response, anywhere, holds a
  name, reading, e-mail address, phone, IP address, user agent, meeting ID, user ID or
  consultation ID of office B's people, and a POST changes nothing.
- A staff member of no office gets nothing but the empty index.

Then the writes across the wall, one by one, with the form data a browser would send.
"""

import datetime as dt
import inspect
import json
from collections import defaultdict
from dataclasses import dataclass
from http import HTTPStatus
from http.cookies import SimpleCookie

import pytest
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import ActionLocation
from django.contrib.admin.models import LogEntry
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountEvent, Message, StaffAccess, User
from bookings import roles
from bookings.admin.scoping import WALLS
from bookings.models import (
    Booking,
    BookingEvent,
    IssuedAccount,
    NoShowLift,
    Room,
    Slot,
    SlotTemplate,
    StaffMembership,
    Suspension,
)
from terms.models import Consent, TermsVersion
from tests.support.staff import sign_in_staff
from tests.walls_world import WORLD_MODELS, World, build_world

pytestmark = pytest.mark.django_db

SITE = admin.site
ROLES = ("national", "manager_a", "counsellor_a", "outsider")
ROLE_OF = {
    "manager_a": StaffMembership.Role.MANAGER,
    "counsellor_a": StaffMembership.Role.COUNSELLOR,
}
STANDARD_VIEWS = ("changelist", "add", "change", "delete", "history")
# What reading a page writes (statistics, and the record of a staff member looking at a
# person's data: checked apart, as records of office B's people), not data a POST may change.
LOGS = {"accounts.usagerecord", "accounts.staffaccess"}


# The matrix -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One admin URL: `label` is the model (or "site"), `kind` what is asked, `target`
    whose row ("A", "B", or "" for none), `name` the action, URL name or field."""

    label: str
    kind: str
    target: str = ""
    name: str = ""

    def __str__(self) -> str:
        return "-".join(part for part in (self.label, self.kind, self.name, self.target) if part)

    @property
    def is_post(self) -> bool:
        return self.kind in ("change_post", "delete_post", "action", "form_action", "view_post")


def _collector_request():
    """A request of a national administrator that is never saved: what the admin classes
    offer at all, before any wall."""
    request = RequestFactory().get("/admin/")
    request.user = User(email="collector@example.jp", is_staff=True, is_superuser=True)
    return request


def _actions(model_admin, location: ActionLocation) -> list[str]:
    request = _collector_request()
    if "action_location" in inspect.signature(model_admin.get_actions).parameters:
        return list(model_admin.get_actions(request, action_location=location))
    return list(model_admin.get_actions(request)) if location == ActionLocation.CHANGE_LIST else []


def _extra_views(model_admin) -> list[tuple[str, bool]]:
    """The custom views of a ModelAdmin: (URL name, whether it takes the row's pk)."""
    opts = model_admin.model._meta
    standard = {f"{opts.app_label}_{opts.model_name}_{view}" for view in STANDARD_VIEWS}
    found = []
    for pattern in model_admin.get_urls():
        name = getattr(pattern, "name", None)
        if not name or name in standard:
            continue
        route = pattern.pattern
        takes_pk = bool(getattr(route, "converters", None)) or bool(route.regex.groups)
        found.append((name, takes_pk))
    return found


def _autocomplete_sources() -> list[tuple[str, str]]:
    """(source model label, field name) for the autocomplete endpoint: every declared
    `autocomplete_fields` entry (of an admin or an inline), and, since the endpoint answers
    for any relation to an admin with search fields, one undeclared relation of each other
    kind (what it answers depends only on the admin searched and the field's
    limit_choices_to)."""
    declared = set()
    models = set(SITE._registry)
    for model, model_admin in SITE._registry.items():
        declared |= {(model, name) for name in model_admin.autocomplete_fields}
        for inline in model_admin.inlines:
            models.add(inline.model)
            declared |= {(inline.model, name) for name in inline.autocomplete_fields}

    def kind(model, name):
        field = model._meta.get_field(name)
        return field.related_model, repr(field.remote_field.limit_choices_to)

    kinds = {kind(model, name) for model, name in declared}
    sources = set(declared)
    for model in sorted(models, key=lambda model: model._meta.label_lower):
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.remote_field):
                continue
            if field.related_model is None:  # never so for a concrete relation
                continue
            remote = SITE._registry.get(field.related_model)
            if remote is None or not remote.search_fields or kind(model, field.name) in kinds:
                continue
            kinds.add(kind(model, field.name))
            sources.add((model, field.name))
    return sorted((model._meta.label_lower, name) for model, name in sources)


def generate_cases() -> list[Case]:
    cases = [Case("site", "index"), Case("site", "models")]
    cases += [Case("site", "app_index", name=app) for app in _app_labels()]
    for model, model_admin in SITE._registry.items():
        label = model._meta.label_lower
        cases.append(Case(label, "changelist"))
        if model_admin.search_fields:
            cases.append(Case(label, "search"))
        cases.append(Case(label, "add"))
        with_rows = label in WORLD_MODELS or label in WALLS
        if with_rows:
            for target in ("A", "B"):
                cases += [Case(label, kind, target) for kind in ("change", "delete", "history")]
            cases += [Case(label, "change_post", "B"), Case(label, "delete_post", "B")]
            for name in _actions(model_admin, ActionLocation.CHANGE_LIST):
                cases.append(Case(label, "action", "B", name))
            for name in _actions(model_admin, ActionLocation.CHANGE_FORM):
                cases.append(Case(label, "form_action", "B", name))
        for name, takes_pk in _extra_views(model_admin):
            if takes_pk:
                cases += [
                    Case(label, "view", "A", name),
                    Case(label, "view", "B", name),
                    Case(label, "view_post", "B", name),
                ]
            else:
                cases += [Case(label, "view", "", name), Case(label, "view_naming", "B", name)]
    for source, field in _autocomplete_sources():
        cases += [
            Case(source, "autocomplete", "", field),
            Case(source, "autocomplete_search", "B", field),
        ]
    return cases


def _app_labels() -> list[str]:
    return sorted({model._meta.app_label for model in SITE._registry})


CASES = generate_cases()


# The world, built once for the module (each test's own changes are rolled back) ------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        yield built
        transaction.set_rollback(True)


def user_of(world: World, role: str) -> User:
    return {
        "national": world.superuser,
        "manager_a": world.a.manager,
        "counsellor_a": world.a.counsellor.user,
        "outsider": world.outsider,
    }[role]


class RoleClient(Client):
    """The module's test client, with the session cookie of each role."""

    sessions: dict[str, str]


@pytest.fixture(scope="module")
def browser(world, django_db_blocker) -> RoleClient:
    """One test client for the module, with a session of each role made once in the world's
    transaction (each test's changes to it are rolled back, and a session without a last
    request never times out). A new client loads the middleware on its first request
    (WhiteNoise scans the static files), and signing in writes the session several times:
    together most of the time of a case, were they done for each."""
    client = RoleClient()
    client.sessions = {}
    with django_db_blocker.unblock():
        for role in ROLES:
            client.cookies = SimpleCookie()
            sign_in_staff(client, user_of(world, role))
            client.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return client


def signed_in(browser: RoleClient, world: World, role: str) -> Client:
    browser.cookies = SimpleCookie({settings.SESSION_COOKIE_NAME: browser.sessions[role]})
    return browser


def row(world: World, label: str, target: str):
    pairs = world.objects()
    if label not in pairs:
        pytest.fail(
            f"{label} is registered in the admin and walled in bookings.admin.scoping.WALLS, "
            "but tests/walls_world.py has no row of it at office A and B: add them (and the "
            "label to WORLD_MODELS) so the wall of this model is walked"
        )
    return pairs[label][0 if target == "A" else 1]


def admin_url(label: str, view: str, *args) -> str:
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def request_for(world: World, case: Case) -> tuple[str, str, dict]:
    """(method, url, data) of a case."""
    b = world.b
    if case.kind == "index":
        return "get", reverse("admin:index"), {}
    if case.kind == "models":  # the list of records, never the start page
        return "get", reverse("admin:index"), {"models": "1"}
    if case.kind == "app_index":
        return "get", reverse("admin:app_list", args=[case.name]), {}
    if case.kind in ("changelist", "add"):
        return "get", admin_url(case.label, case.kind), {}
    if case.kind == "search":
        return "get", admin_url(case.label, "changelist"), {"q": "bperson"}
    if case.kind in ("autocomplete", "autocomplete_search"):
        app_label, model_name = case.label.split(".")
        query: dict[str, str | int] = {
            "app_label": app_label,
            "model_name": model_name,
            "field_name": case.name,
        }
        if case.kind == "autocomplete_search":
            query["term"] = "bperson"
        return "get", reverse("admin:autocomplete"), query
    if case.kind == "view_naming":
        month = timezone.localdate().strftime("%Y-%m")
        query = {
            "office": b.office.pk,
            "counsellor": b.counsellor.pk,
            "person": b.person.pk,
            "day": timezone.localtime(b.slot.starts_at).date().isoformat(),
            "q": "bperson",
            "start": "2020-01",
            "end": month,
            "format": "csv",
        }
        return "get", reverse(f"admin:{case.name}"), query
    if case.kind == "view" and not case.target:
        return "get", reverse(f"admin:{case.name}"), {}
    obj = row(world, case.label, case.target)
    if case.kind in ("change", "delete", "history"):
        return "get", admin_url(case.label, case.kind, obj.pk), {}
    if case.kind == "change_post":
        return "post", admin_url(case.label, "change", obj.pk), {"_save": "Save"}
    if case.kind == "delete_post":
        return "post", admin_url(case.label, "delete", obj.pk), {"post": "yes"}
    # The person's record is named by the row's office and person, not the row's pk.
    args = [obj.slot.office_id, obj.user_id] if case.name == "bookings_booking_person" else [obj.pk]
    if case.kind == "view":
        return "get", reverse(f"admin:{case.name}", args=args), {}
    if case.kind == "view_post":
        return "post", reverse(f"admin:{case.name}", args=args), harmful_form(world)
    if case.kind == "action":
        data = {"action": case.name, "index": "0", "_selected_action": [obj.pk]}
        return "post", admin_url(case.label, "changelist"), {**harmful_form(world), **data}
    if case.kind == "form_action":
        data = {"CHANGE_FORM-action": case.name, "_selected_action": [obj.pk]}
        return "post", admin_url(case.label, "change", obj.pk), {**harmful_form(world), **data}
    raise AssertionError(f"no request for {case}")


def harmful_form(world: World) -> dict:
    """Every confirmation an action or view may ask for, already given, naming office B's
    things: were the wall to let the request through, it would act at once."""
    later = timezone.localtime() + dt.timedelta(days=2)
    return {
        "confirm": "1",
        "post": "yes",
        "reason": "wall test",
        "email": "wall-test-issued@example.jp",
        "effective_at": later.strftime("%Y-%m-%dT%H:%M"),
        "slot": world.b.free_slot.pk,
        "note": "wall test",
        "user_id": world.b.person.pk,
        "person": world.b.person.pk,
        "do": "started",
        "password1": "Wall-test-pass-1x",
        "password2": "Wall-test-pass-1x",
    }


# What the roles may do (the oracle) --------------------------------------------------------


def national_request(world: World):
    request = RequestFactory().get("/admin/")
    request.user = world.superuser
    return request


def admin_allows(world: World, label: str, action: str, obj=None) -> bool:
    """What the admin class allows a national administrator: its own rules (no add of
    bookings, no delete of a published version, …), before any office."""
    model_admin = SITE._registry[_model(label)]
    check = getattr(model_admin, f"has_{action}_permission")
    request = national_request(world)
    return check(request) if action == "add" else check(request, obj)


def national_may(world: World, case: Case) -> bool:
    """Whether the admin class lets a national administrator do what the case asks."""
    if case.kind in ("changelist", "search"):
        return admin_allows(world, case.label, "view")
    if case.kind == "add":
        return admin_allows(world, case.label, "add")
    action = {
        "change": "view",
        "history": "view",
        "delete": "delete",
        "delete_post": "delete",
        "change_post": "change",
    }.get(case.kind)
    if action is None:
        return True
    return admin_allows(world, case.label, action, row(world, case.label, case.target))


def role_may(world: World, role: str, label: str, action: str, obj=None) -> bool:
    """A manager's or counsellor's right at office A: their role's default permission
    (bookings.roles) and what the admin class allows at all."""
    app_label, model_name = label.split(".")
    perms = set(roles.DEFAULTS[ROLE_OF[role]])
    if action == "view":
        held = {f"{app_label}.view_{model_name}", f"{app_label}.change_{model_name}"} & perms
    else:
        held = {f"{app_label}.{action}_{model_name}"} & perms
    return bool(held) and admin_allows(world, label, action, obj)


def _model(label: str):
    app_label, model_name = label.split(".")
    for model in SITE._registry:
        if model._meta.app_label == app_label and model._meta.model_name == model_name:
            return model
    raise LookupError(label)


# What a response may hold ------------------------------------------------------------------


def text_of(response) -> str:
    body = b"".join(response) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        text += json.dumps(json.loads(body), ensure_ascii=False)
    return text + "\n" + response.get("Location", "")


def templates_of(response) -> list[str]:
    return [template.name for template in getattr(response, "templates", []) or []]


def leaks(text: str, markers: list[str]) -> list[str]:
    return [marker for marker in markers if marker in text]


def snapshot(world: World) -> dict:
    """Every count and every world row, to compare before and after a POST."""
    models = {model for model in SITE._registry if model._meta.label_lower not in LOGS}
    models |= {Room, BookingEvent, NoShowLift, AccountEvent, LogEntry, Consent, IssuedAccount}
    counts = {model._meta.label: model._default_manager.count() for model in models}
    by_model = defaultdict(set)
    for obj in world.every_row():
        by_model[type(obj)].add(obj.pk)
    rows = {
        model._meta.label: list(model._default_manager.filter(pk__in=pks).order_by("pk").values())
        for model, pks in by_model.items()
    }
    through = {
        "office documents": list(
            world.a.office.terms_documents.through.objects.order_by("pk").values_list()
        ),
        "user groups": list(User.groups.through.objects.order_by("pk").values_list()),
    }
    return {"counts": counts, "rows": rows, "through": through}


def b_looked_at(world: World) -> int:
    """Records of a staff member looking at office B's people's data."""
    people = [world.b.person, world.b.counsellor.user, world.b.manager]
    return StaffAccess.objects.filter(subject__in=people).count()


def differences(before: dict, after: dict) -> list[str]:
    found = []
    for part in before:
        for key in before[part]:
            if before[part][key] != after[part].get(key):
                found.append(f"{part}: {key}")
    return found


# The matrix test ---------------------------------------------------------------------------

INDEX = "/admin/"
# 405: a custom view for POSTs only, asked with a GET.
REFUSED = {HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND, HTTPStatus.METHOD_NOT_ALLOWED}


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_the_wall(browser, world, role, case):
    client = signed_in(browser, world, role)
    method, url, data = request_for(world, case)
    before = snapshot(world) if case.is_post and role != "national" else None
    looked_at_b = b_looked_at(world)
    response = getattr(client, method)(url, data)
    status = response.status_code
    text = text_of(response)
    where = f"{role} {method.upper()} {url} {data or ''} → {status}"

    assert status < 500, where

    if role == "national":
        if national_may(world, case):
            reached = {HTTPStatus.OK, HTTPStatus.FOUND}
            if case.kind == "view":
                reached.add(HTTPStatus.METHOD_NOT_ALLOWED)
            assert status in reached, where
        else:
            assert status == HTTPStatus.FORBIDDEN, where
        return

    forbidden = world.b.markers + (world.a.markers if role == "outsider" else [])
    assert not leaks(text, forbidden), f"{where} shows {leaks(text, forbidden)}"
    if before is not None:
        changed = differences(before, snapshot(world))
        assert not changed, f"{where} changed {changed}"
    assert b_looked_at(world) == looked_at_b, f"{where} recorded a look at B's people"

    location = response.get("Location", "")
    if case.kind == "index":  # the records, or the start page of the staff member's day
        assert status == HTTPStatus.OK or (status == HTTPStatus.FOUND and location), where
    elif case.kind == "models":
        assert status == HTTPStatus.OK, where
    elif case.kind == "app_index":
        assert status in (HTTPStatus.OK, HTTPStatus.NOT_FOUND), where
    elif role == "outsider":
        assert status in REFUSED or (status == HTTPStatus.FOUND and location == INDEX), where
    elif case.target == "B" and case.kind not in ("view_naming", "autocomplete_search"):
        # Office B's row: not found, or refused; an action on it goes back to the list.
        # An action the role is not offered leaves the POST to the plain (walled) list.
        back = admin_url(case.label, "changelist") if case.kind == "action" else INDEX
        plain_list = case.kind == "action" and "admin/change_list.html" in templates_of(response)
        assert (
            status in REFUSED
            or (status == HTTPStatus.FOUND and location.split("?")[0] in (INDEX, back))
            or (status == HTTPStatus.OK and plain_list)
        ), where
    elif case.kind in ("changelist", "search"):
        may = role_may(world, role, case.label, "view")
        assert status == (HTTPStatus.OK if may else HTTPStatus.FORBIDDEN), where
    elif case.kind == "add":
        may = role_may(world, role, case.label, "add")
        assert status == (HTTPStatus.OK if may else HTTPStatus.FORBIDDEN), where
    elif case.kind in ("change", "history", "delete"):
        obj = row(world, case.label, "A")
        action = "delete" if case.kind == "delete" else "view"
        if role_may(world, role, case.label, action, obj):
            assert status == HTTPStatus.OK, where
        else:
            assert status in REFUSED or (status == HTTPStatus.FOUND and location == INDEX), where
    elif case.kind in ("autocomplete", "autocomplete_search"):
        assert status in (HTTPStatus.OK, *REFUSED), where
    else:  # custom views at A, or naming B in the query
        assert status in (HTTPStatus.OK, HTTPStatus.FOUND, *REFUSED), where


# The matrix itself -------------------------------------------------------------------------


def test_the_matrix_covers_every_registered_model_and_states_its_size():
    size = len(CASES) * len(ROLES)
    labels = {case.label for case in CASES}
    registered = {model._meta.label_lower for model in SITE._registry}
    assert registered <= labels
    assert {case.kind for case in CASES} >= {
        "changelist",
        "add",
        "change",
        "delete",
        "history",
        "action",
        "view",
        "autocomplete",
    }
    print(f"office-wall matrix: {len(CASES)} URLs × {len(ROLES)} roles = {size} cases")
    assert size >= 1000, f"the matrix has only {size} cases"


def test_every_walled_model_has_rows_of_both_offices_in_the_world():
    registered = {model._meta.label_lower for model in SITE._registry}
    missing = sorted((registered & set(WALLS)) - WORLD_MODELS)
    assert not missing, (
        f"walled in bookings.admin.scoping.WALLS and registered, but tests/walls_world.py "
        f"has no row of them at office A and B: {missing}"
    )


def test_the_world_knows_each_models_rows(world):
    assert set(world.objects()) == WORLD_MODELS
    for label, (a, b) in world.objects().items():
        assert type(a)._meta.label_lower == label and type(b)._meta.label_lower == label
        assert a.pk != b.pk, label


# The markers are real: a national administrator sees B's people, A's staff see A's --------

LISTS_SHOW = {
    "bookings.booking": "family",
    "terms.consent": "email",
    "accounts.user": "email",
    "accounts.profile": "family",
    "accounts.message": "email",
    "bookings.issuedaccount": "login_id",
    "bookings.suspension": "email",
    "bookings.counsellor": "counsellor",
}


def marker(side, what: str) -> str:
    return {
        "family": side.profile.family_name,
        "email": side.person.email,
        "login_id": side.person.login_id,
        "counsellor": side.counsellor.display_name,
    }[what]


@pytest.mark.parametrize("label", sorted(LISTS_SHOW))
def test_a_national_administrator_sees_both_offices_people_in_the_lists(browser, world, label):
    text = text_of(signed_in(browser, world, "national").get(admin_url(label, "changelist")))
    for side in (world.a, world.b):
        assert marker(side, LISTS_SHOW[label]) in text, label


@pytest.mark.parametrize("label", sorted(LISTS_SHOW))
@pytest.mark.parametrize("role", ["manager_a", "counsellor_a"])
def test_office_a_staff_see_office_as_people_in_the_lists_their_role_opens(
    browser, world, role, label
):
    response = signed_in(browser, world, role).get(admin_url(label, "changelist"))
    if not role_may(world, role, label, "view"):
        assert response.status_code == HTTPStatus.FORBIDDEN
        return
    text = text_of(response)
    assert response.status_code == HTTPStatus.OK
    assert marker(world.a, LISTS_SHOW[label]) in text
    assert not leaks(text, world.b.markers)


def test_a_national_administrator_sees_bs_meeting_ids_phone_and_ip(browser, world):
    client = signed_in(browser, world, "national")
    b = world.b
    booking = text_of(client.get(admin_url("bookings.booking", "change", b.booking.pk)))
    assert b.room.meeting_id in booking and "090-9999-0002" in booking
    counsellor = text_of(client.get(admin_url("bookings.counsellor", "change", b.counsellor.pk)))
    assert b.counsellor.fixed_meeting_id in counsellor
    consents = text_of(client.get(admin_url("terms.consent", "changelist")))
    assert b.consent.ip_address in consents
    restricted = text_of(
        client.get(reverse("admin:bookings_office_restrictions", args=[b.office.pk]))
    )
    assert b.person.email in restricted


# Writes across the wall --------------------------------------------------------------------


def count_of(*models) -> dict:
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.parametrize("role", ["manager_a", "counsellor_a"])
def test_a_slot_for_office_b_or_with_bs_counsellor_cannot_be_added(browser, world, role):
    client = signed_in(browser, world, role)
    start = timezone.localtime() + dt.timedelta(days=30)
    for office, counsellor in (
        (world.b.office, world.b.counsellor),
        (world.a.office, world.b.counsellor),
        (world.b.office, world.a.counsellor),
    ):
        before = count_of(Slot)
        response = client.post(
            admin_url("bookings.slot", "add"),
            {
                "office": office.pk,
                "counsellor": counsellor.pk,
                "starts_at_0": start.strftime("%Y-%m-%d"),
                "starts_at_1": "10:00:00",
                "ends_at_0": start.strftime("%Y-%m-%d"),
                "ends_at_1": "10:30:00",
                "kind": "consultation",
                "capacity": 1,
            },
        )
        assert response.status_code == HTTPStatus.OK, (office, counsellor)
        assert response.context["adminform"].form.errors, (office, counsellor)
        assert count_of(Slot) == before
        assert not leaks(text_of(response), world.b.markers)


def test_office_as_staff_can_add_a_slot_of_their_own_office(browser, world):
    """The control: the same form, with A's office and counsellor, adds the slot."""
    client = signed_in(browser, world, "counsellor_a")
    start = timezone.localtime() + dt.timedelta(days=30)
    response = client.post(
        admin_url("bookings.slot", "add"),
        {
            "office": world.a.office.pk,
            "counsellor": world.a.counsellor.pk,
            "starts_at_0": start.strftime("%Y-%m-%d"),
            "starts_at_1": "10:00:00",
            "ends_at_0": start.strftime("%Y-%m-%d"),
            "ends_at_1": "10:30:00",
            "kind": "consultation",
            "capacity": 1,
        },
    )
    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
    assert Slot.objects.filter(office=world.a.office, starts_at__date=start.date()).exists()


@pytest.mark.parametrize("role", ["manager_a", "counsellor_a"])
def test_a_template_for_office_b_or_with_bs_counsellor_cannot_be_added(browser, world, role):
    client = signed_in(browser, world, role)
    for office, counsellor in (
        (world.b.office, world.b.counsellor),
        (world.a.office, world.b.counsellor),
        (world.b.office, world.a.counsellor),
    ):
        before = count_of(SlotTemplate)
        response = client.post(
            admin_url("bookings.slottemplate", "add"),
            {
                "office": office.pk,
                "counsellor": counsellor.pk,
                "weekday": 3,
                "start_time": "14:00",
                "kind": "consultation",
                "capacity": 1,
                "is_active": "on",
            },
        )
        assert response.status_code == HTTPStatus.OK, (office, counsellor)
        assert response.context["adminform"].form.errors, (office, counsellor)
        assert count_of(SlotTemplate) == before
        assert not leaks(text_of(response), world.b.markers)


def test_bs_counsellor_and_office_are_not_offered_in_as_forms(browser, world):
    response = signed_in(browser, world, "manager_a").get(admin_url("bookings.slot", "add"))
    form = response.context["adminform"].form
    assert list(form.fields["office"].queryset) == [world.a.office]
    assert list(form.fields["counsellor"].queryset) == [world.a.counsellor]


def test_office_a_cannot_be_given_bs_terms(browser, world):
    """The office's change form: B's terms document is not a choice."""
    client = signed_in(browser, world, "manager_a")
    url = admin_url("bookings.office", "change", world.a.office.pk)
    data = form_data(client.get(url))
    data["terms_documents"] = [world.a.document.pk, world.b.document.pk]
    response = client.post(url, data)
    assert response.status_code == HTTPStatus.OK
    assert "terms_documents" in response.context["adminform"].form.errors
    assert list(world.a.office.terms_documents.all()) == [world.a.document]


def test_as_slot_cannot_be_moved_to_office_b_or_bs_counsellor(browser, world):
    client = signed_in(browser, world, "manager_a")
    url = admin_url("bookings.slot", "change", world.a.free_slot.pk)
    data = form_data(client.get(url))
    for field, value in (("office", world.b.office.pk), ("counsellor", world.b.counsellor.pk)):
        response = client.post(url, {**data, field: value})
        assert response.status_code == HTTPStatus.OK, field
        assert field in response.context["adminform"].form.errors
    slot = Slot.objects.get(pk=world.a.free_slot.pk)
    assert (slot.office, slot.counsellor) == (world.a.office, world.a.counsellor)


def test_as_booking_cannot_be_moved_into_a_slot_of_office_b(browser, world):
    client = signed_in(browser, world, "counsellor_a")
    for action in ("move", "book_follow_up"):
        response = client.post(
            admin_url("bookings.booking", "changelist"),
            {
                "action": action,
                "index": "0",
                "_selected_action": [world.a.booking.pk],
                "confirm": "1",
                "slot": world.b.free_slot.pk,
                "note": "wall test",
            },
        )
        assert response.status_code == HTTPStatus.OK, action  # the form again: not a choice
        assert "slot" in response.context["form"].errors
        assert not leaks(text_of(response), world.b.markers)
    assert Booking.objects.get(pk=world.a.booking.pk).slot_id == world.a.slot.pk
    assert not Booking.objects.filter(slot=world.b.free_slot).exists()


@pytest.mark.parametrize("role", ["manager_a", "counsellor_a"])
def test_no_account_is_issued_for_office_b(browser, world, role):
    before = count_of(IssuedAccount, User)
    response = signed_in(browser, world, role).post(
        admin_url("bookings.office", "changelist"),
        {
            "action": "issue_account",
            "index": "0",
            "_selected_action": [world.b.office.pk],
            "confirm": "1",
            "email": "wall-test-issued@example.jp",
        },
    )
    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.FORBIDDEN)
    assert count_of(IssuedAccount, User) == before
    assert not IssuedAccount.objects.filter(office=world.b.office, user__email__startswith="wall")


@pytest.mark.parametrize("role", ["manager_a", "counsellor_a"])
def test_bs_issued_account_is_not_reissued(browser, world, role):
    before = User.objects.filter(pk=world.b.person.pk).values("login_id", "password").get()
    response = signed_in(browser, world, role).post(
        admin_url("bookings.issuedaccount", "changelist"),
        {
            "action": "reissue",
            "index": "0",
            "_selected_action": [world.b.issued.pk],
            "confirm": "1",
        },
    )
    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.FORBIDDEN)
    assert User.objects.filter(pk=world.b.person.pk).values("login_id", "password").get() == before


@pytest.mark.parametrize("role", ["manager_a", "counsellor_a"])
def test_no_restriction_is_lifted_at_office_b(browser, world, role):
    before = count_of(NoShowLift)
    response = signed_in(browser, world, role).post(
        reverse("admin:bookings_office_restrictions", args=[world.b.office.pk]),
        {"user_id": world.b.person.pk, "reason": "wall test"},
    )
    assert response.status_code in REFUSED
    assert count_of(NoShowLift) == before


def test_as_manager_lifts_no_restriction_of_bs_person_at_office_a(browser, world):
    """Office A's restrictions page lifts only for office A's restricted people: B's
    person is not one of them (nor one of A's people), so naming them changes nothing."""
    before = count_of(NoShowLift)
    signed_in(browser, world, "manager_a").post(
        reverse("admin:bookings_office_restrictions", args=[world.a.office.pk]),
        {"user_id": world.b.person.pk, "reason": "wall test"},
    )
    assert count_of(NoShowLift) == before
    assert not NoShowLift.objects.filter(user=world.b.person, office=world.a.office).exists()


def test_as_manager_lifts_the_restriction_of_as_person(browser, world):
    """The control of the two tests above."""
    response = signed_in(browser, world, "manager_a").post(
        reverse("admin:bookings_office_restrictions", args=[world.a.office.pk]),
        {"user_id": world.a.person.pk, "reason": "phoned, was ill"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert NoShowLift.objects.filter(
        user=world.a.person, office=world.a.office, reason="phoned, was ill"
    ).exists()


@pytest.mark.parametrize("role", ["manager_a", "counsellor_a"])
def test_bs_consents_are_not_exported(browser, world, role):
    response = signed_in(browser, world, role).post(
        admin_url("terms.consent", "changelist"),
        {"action": "export_csv", "index": "0", "_selected_action": [world.b.consent.pk]},
    )
    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.FORBIDDEN)
    assert not response.get("Content-Type", "").startswith("text/csv")
    assert not leaks(text_of(response), world.b.markers)


def test_exporting_every_consent_gives_as_only(browser, world):
    response = signed_in(browser, world, "manager_a").post(
        admin_url("terms.consent", "changelist"),
        {
            "action": "export_csv",
            "index": "0",
            "select_across": "1",
            "_selected_action": [world.a.consent.pk],
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/csv")
    text = text_of(response)
    assert world.a.person.email in text and world.a.consent.ip_address in text
    assert not leaks(text, world.b.markers)


@pytest.mark.parametrize("role", ["manager_a", "counsellor_a"])
def test_bs_person_is_not_suspended(browser, world, role):
    before = count_of(Suspension, Booking, AccountEvent, Message)
    response = signed_in(browser, world, role).post(
        admin_url("accounts.user", "changelist"),
        {
            "action": "suspend",
            "index": "0",
            "_selected_action": [world.b.person.pk],
            "confirm": "1",
            "reason": "wall test",
        },
    )
    # The person list has no suspend action any more (suspension is an office's measure,
    # made from a booking or by a national administrator): the POST is refused or ignored.
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND, HTTPStatus.FORBIDDEN)
    assert (
        not Suspension.objects.filter(user=world.b.person, lifted_at__isnull=True)
        .exclude(pk=world.b.suspension.pk)
        .exists()
    )
    assert count_of(Suspension, Booking, AccountEvent, Message) == before
    assert Booking.objects.get(pk=world.b.booking.pk).status == Booking.Status.CONFIRMED


@pytest.mark.parametrize("role", ["manager_a", "counsellor_a"])
def test_bs_person_is_not_suspended_at_office_b_from_their_booking(browser, world, role):
    before = count_of(Suspension, Booking, AccountEvent, Message)
    response = signed_in(browser, world, role).post(
        admin_url("bookings.booking", "changelist"),
        {
            "action": "suspend_person",
            "index": "0",
            "_selected_action": [world.b.booking.pk],
            "confirm": "1",
            "reason": "wall test",
        },
    )
    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.FORBIDDEN)
    assert count_of(Suspension, Booking, AccountEvent, Message) == before
    assert Booking.objects.get(pk=world.b.booking.pk).status == Booking.Status.CONFIRMED


@pytest.mark.parametrize("role", ["manager_a", "counsellor_a"])
def test_bs_suspension_is_not_lifted(browser, world, role):
    signed_in(browser, world, role).post(
        admin_url("bookings.suspension", "changelist"),
        {
            "action": "lift",
            "index": "0",
            "_selected_action": [world.b.suspension.pk],
            "confirm": "1",
            "reason": "wall test",
        },
    )
    assert Suspension.objects.get(pk=world.b.suspension.pk).lifted_at is None


@pytest.mark.parametrize("role", ["manager_a", "counsellor_a"])
def test_office_staff_do_not_suspend_a_person_everywhere(browser, world, role):
    """Suspension is a measure of one office; only a national administrator suspends an
    account everywhere (a suspension with no office, added on the suspensions page)."""
    before = count_of(Suspension)
    response = signed_in(browser, world, role).post(
        admin_url("bookings.suspension", "add"),
        {"user": world.a.person.pk, "office": "", "reason": "wall test"},
    )
    assert response.status_code in (HTTPStatus.FORBIDDEN, HTTPStatus.FOUND)
    assert count_of(Suspension) == before
    assert not Suspension.objects.filter(user=world.a.person, office__isnull=True).exists()


@pytest.mark.parametrize("role", ["manager_a", "counsellor_a"])
def test_bs_draft_is_not_published(browser, world, role):
    later = timezone.localtime() + dt.timedelta(days=2)
    signed_in(browser, world, role).post(
        admin_url("terms.termsversion", "changelist"),
        {
            "action": "publish",
            "index": "0",
            "_selected_action": [world.b.draft.pk],
            "confirm": "1",
            "effective_at": later.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert TermsVersion.objects.get(pk=world.b.draft.pk).published_at is None


# What each role may do at its own office (SPEC, Office walls) ------------------------------


def test_a_counsellor_does_not_read_the_offices_reports(browser, world):
    response = signed_in(browser, world, "counsellor_a").get(
        reverse("admin:bookings_office_reports")
    )
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_a_manager_reads_only_their_offices_report(browser, world):
    month = timezone.localdate().strftime("%Y-%m")
    client = signed_in(browser, world, "manager_a")
    url = reverse("admin:bookings_office_reports")
    response = client.get(url, {"start": "2020-01", "end": month})
    assert response.status_code == HTTPStatus.OK
    assert list(response.context["form"].fields["office"].queryset) == [world.a.office]
    chosen_b = client.get(url, {"office": world.b.office.pk, "start": "2020-01", "end": month})
    assert chosen_b.context["form"].errors and not chosen_b.context["rows"]


def test_a_counsellor_does_not_lift_restrictions(browser, world):
    before = count_of(NoShowLift)
    signed_in(browser, world, "counsellor_a").post(
        reverse("admin:bookings_office_restrictions", args=[world.a.office.pk]),
        {"user_id": world.a.person.pk, "reason": "wall test"},
    )
    assert count_of(NoShowLift) == before


@pytest.mark.parametrize("role", ["manager_a", "counsellor_a"])
def test_only_a_manager_drafts_a_new_terms_version(browser, world, role):
    TermsVersion.objects.filter(pk=world.a.draft.pk).delete()  # one draft at a time
    before = count_of(TermsVersion)
    signed_in(browser, world, role).post(
        admin_url("terms.termsdocument", "changelist"),
        {"action": "draft_new_version", "index": "0", "_selected_action": [world.a.document.pk]},
    )
    drafted = count_of(TermsVersion)["TermsVersion"] - before["TermsVersion"]
    assert drafted == (1 if role == "manager_a" else 0)


@pytest.mark.parametrize("role", ["manager_a", "counsellor_a"])
def test_no_new_terms_version_is_drafted_for_office_b(browser, world, role):
    TermsVersion.objects.filter(pk=world.b.draft.pk).delete()
    before = count_of(TermsVersion)
    signed_in(browser, world, role).post(
        admin_url("terms.termsdocument", "changelist"),
        {"action": "draft_new_version", "index": "0", "_selected_action": [world.b.document.pk]},
    )
    assert count_of(TermsVersion) == before


def test_a_counsellor_sees_only_their_own_templates_and_a_manager_every_one(browser, world):
    other = SlotTemplate.objects.create(
        office=world.a.office,
        counsellor=make_second_counsellor(world),
        weekday=4,
        start_time=dt.time(15, 0),
    )
    mine = world.a.template
    seen = {}
    for role in ("counsellor_a", "manager_a"):
        response = signed_in(browser, world, role).get(
            admin_url("bookings.slottemplate", "changelist")
        )
        seen[role] = set(response.context["cl"].result_list)
    assert seen["counsellor_a"] == {mine}
    assert seen["manager_a"] == {mine, other}


def make_second_counsellor(world: World):
    from bookings.models import Counsellor, StaffMembership

    user = User.objects.create_user(email="acounsellor2@example.jp", password=None, is_staff=True)
    StaffMembership.objects.create(
        user=user, office=world.a.office, role=StaffMembership.Role.COUNSELLOR
    )
    return Counsellor.objects.create(user=user, office=world.a.office, display_name="A2")


# Form data as the browser sends it ---------------------------------------------------------


def form_data(response) -> dict:
    """The POST data of an admin change page as rendered: the main form's values and
    every inline formset's management form and rows."""
    data: dict = {}

    def add(form) -> None:
        for name, bound in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None:
                continue
            if isinstance(bound.widget, forms.MultiWidget):
                parts = bound.widget.decompress(value)
                assert parts is not None
                # MultiWidget.widgets_names is set in its __init__; django-stubs omit it.
                names = bound.widget.widgets_names  # type: ignore[attr-defined]
                for suffix, part in zip(names, parts, strict=True):
                    data[f"{key}{suffix}"] = "" if part is None else str(part)
                continue
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
                continue
            if isinstance(value, (list, tuple)):
                data[key] = [getattr(item, "pk", item) for item in value]
            else:
                data[key] = getattr(value, "pk", value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def absence_form(counsellor) -> dict:
    day = (timezone.localdate() + dt.timedelta(days=40)).isoformat()
    return {"counsellor": counsellor.pk, "first_day": day, "from_time": "", "to_time": ""}


@pytest.mark.parametrize("role", ["manager_a", "counsellor_a"])
def test_an_absence_of_bs_counsellor_cannot_be_recorded(browser, world, role):
    from bookings.models import Absence

    client = signed_in(browser, world, role)
    before = count_of(Absence)
    response = client.post(admin_url("bookings.absence", "add"), absence_form(world.b.counsellor))
    assert response.status_code == HTTPStatus.OK
    assert response.context["adminform"].form.errors
    assert count_of(Absence) == before
    assert not leaks(text_of(response), world.b.markers)


@pytest.mark.parametrize("role", ["manager_a", "counsellor_a"])
def test_office_as_staff_record_an_absence_of_as_counsellor(browser, world, role):
    """The control: the same form with A's counsellor records the absence."""
    from bookings.models import Absence

    client = signed_in(browser, world, role)
    response = client.post(admin_url("bookings.absence", "add"), absence_form(world.a.counsellor))
    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
    assert Absence.objects.filter(counsellor=world.a.counsellor).count() == 2


def test_a_closure_of_office_b_cannot_be_added_by_as_manager(browser, world):
    from bookings.models import OfficeClosure

    client = signed_in(browser, world, "manager_a")
    day = (timezone.localdate() + dt.timedelta(days=40)).isoformat()
    form = {"start_date": day, "end_date": day, "reason": "wall test"}
    before = count_of(OfficeClosure)
    response = client.post(
        admin_url("bookings.officeclosure", "add"), {**form, "office": world.b.office.pk}
    )
    assert response.status_code == HTTPStatus.OK and count_of(OfficeClosure) == before
    response = client.post(
        admin_url("bookings.officeclosure", "add"), {**form, "office": world.a.office.pk}
    )
    assert response.status_code == HTTPStatus.FOUND  # the control: A's own closure is added
    assert count_of(OfficeClosure)["OfficeClosure"] == before["OfficeClosure"] + 1
