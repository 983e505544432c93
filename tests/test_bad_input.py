"""No input gets a 500: a NUL byte anywhere is refused before any view (400), and the admin
answers impossible dates and unknown or malformed selections with a message, changing
nothing."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import include, path, reverse
from django.utils import timezone

from bookings.models import Booking
from portal.admin_tools import (
    SafeInputAdminMixin,
    date_hierarchy_is_valid,
    make_admin_site_safe,
)
from terms.models import TermsVersion
from tests.factories import (
    make_confirmed_booking,
    make_counsellor,
    make_document,
    make_office,
    make_slot,
    publish_historical,
)

try:  # staff need a second factor before any admin page (accounts.staff_security)
    from tests.support.staff import sign_in_staff
except ImportError:  # a tree from before that: signing in is enough

    def sign_in_staff(client, user) -> None:
        client.force_login(user)


pytestmark = pytest.mark.django_db

NOT_UNDERSTOOD = "The selection was not understood. Nothing was changed."
NOT_IN_LIST = "Some of the selected entries do not exist or are not in this list."
BAD_FILTER = "The list cannot be filtered that way, so all entries are shown."
REFUSED_PAGE = "The request was not understood"

# A throwaway admin site whose ModelAdmins are Django's plain ones: they get the safe
# behaviour from make_admin_site_safe alone, as third-party ones on admin.site do.
safe_site = admin.AdminSite(name="safe_admin")
safe_site.register(Group)


@admin.register(LogEntry, site=safe_site)
class PlainLogEntryAdmin(admin.ModelAdmin):
    date_hierarchy = "action_time"


make_admin_site_safe(safe_site)

urlpatterns = [path("safe-admin/", safe_site.urls), path("", include("portal.urls"))]


@pytest.fixture
def staff(client, admin_user):
    """A national administrator, signed in to the admin, reading English."""
    sign_in_staff(client, admin_user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def document():
    document = make_document(make_office())
    publish_historical(document, "## 第1条\n\n規約です。\n")
    return document


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# A NUL byte, in whatever place, is refused before any view runs.


def test_a_nul_byte_in_a_query_parameter_is_refused(staff):
    for url in ("/?q=%00", "/admin/terms/consent/?q=a%00b", "/admin/terms/consent/?a%00=1"):
        response = staff.get(url)
        assert response.status_code == HTTPStatus.BAD_REQUEST, url
        assert REFUSED_PAGE in response.content.decode()


def test_the_refusal_is_in_japanese_unless_the_person_chose_english(client):
    response = client.get("/?q=%00")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "リクエストを読み取れませんでした" in response.content.decode()


def test_a_nul_byte_in_a_path_segment_is_refused(staff):
    for url in ("/%00/", "/admin/terms/consent/%00/change/", "/offices/k%00/"):
        assert staff.get(url).status_code == HTTPStatus.BAD_REQUEST, url


def test_a_nul_byte_in_a_form_field_is_refused_and_changes_nothing(staff, document):
    versions = TermsVersion.objects.count()
    response = staff.post(
        "/admin/terms/termsdocument/",
        {"action": "draft_new_version", "_selected_action": [document.pk], "note": "x\x00"},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    response = staff.post(
        "/admin/terms/termsdocument/",
        {"action": "draft_new_version", "_selected_action": [document.pk], "n\x00": "x"},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert TermsVersion.objects.count() == versions
    visitor = Client()
    visitor.cookies["django_language"] = "en"
    response = visitor.post(
        "/accounts/signup/",
        {"email": "nul\x00@example.jp", "password1": "correct-horse-9", "password2": "x"},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert REFUSED_PAGE in response.content.decode()
    assert not get_user_model().objects.filter(email__startswith="nul").exists()


def test_a_nul_byte_in_a_cookie_or_a_header_is_refused(client):
    cookie = 'sessionid="abcdefgh\\000ijklmnop"'  # a quoted cookie's octal escape: a NUL
    assert client.get("/", headers={"cookie": cookie}).status_code == HTTPStatus.BAD_REQUEST
    response = client.get("/", headers={"user-agent": "Mozilla/5.0\x00"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert client.get("/").status_code == HTTPStatus.OK


def test_djangos_own_bad_requests_answer_the_same_page(staff):
    response = staff.get("/admin/terms/consent/?_to_field=user_agent")  # not a to-field
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert REFUSED_PAGE in response.content.decode()


def test_ordinary_input_passes_the_nul_check(staff, document):
    response = staff.post(
        "/admin/terms/termsdocument/",
        {"action": "draft_new_version", "_selected_action": [document.pk]},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert document.versions.filter(published_at__isnull=True).count() == 1


# Date hierarchy: impossible years, months and days.

IMPOSSIBLE_DATES = [
    "__year=99999999999",
    "__year=99999999999999999999999999",
    "__year=0",
    "__year=9999",  # Django would compute the end of the year as 10000-01-01
    "__year=10000",
    "__year=abc",
    "__year=2026&{f}__month=13",
    "__year=2026&{f}__month=0",
    "__year=2026&{f}__month=99999999999",
    "__year=2026&{f}__month=2&{f}__day=30",
    "__year=2026&{f}__month=12&{f}__day=99999999999",
    "__year=9999&{f}__month=12",
    "__year=9999&{f}__month=12&{f}__day=31",
    "__month=13",
    "__day=99999999999999999999999",
    "__year=1",  # 0001-01-01 in Japan is before year 1 in UTC
]


@pytest.mark.parametrize("params", IMPOSSIBLE_DATES)
def test_an_impossible_date_hierarchy_date_shows_the_whole_list_with_a_message(staff, params):
    field = "consented_at"
    query = field + params.format(f=field)
    response = staff.get(f"/admin/terms/consent/?{query}")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/admin/terms/consent/?e=1"
    response = staff.get(response["Location"])
    assert response.status_code == HTTPStatus.OK
    assert BAD_FILTER in messages_of(response)


def test_a_real_date_still_filters(staff, make_user, document):
    from terms import services

    version = document.versions.get()
    services.record_consent(user=make_user(), version=version, method="explicit")
    today = timezone.localdate()
    for query in (
        f"consented_at__year={today.year}",
        f"consented_at__year={today.year}&consented_at__month={today.month}",
        f"consented_at__year={today.year}&consented_at__month={today.month}"
        f"&consented_at__day={today.day}",
        "consented_at__year=2",
        "consented_at__year=9998&consented_at__month=12&consented_at__day=31",
    ):
        response = staff.get(f"/admin/terms/consent/?{query}")
        assert response.status_code == HTTPStatus.OK, query
        assert BAD_FILTER not in messages_of(response)
    response = staff.get(f"/admin/terms/consent/?consented_at__year={today.year}")
    assert response.context["cl"].result_count == 1
    response = staff.get(f"/admin/terms/consent/?consented_at__year={today.year - 1}")
    assert response.context["cl"].result_count == 0


def test_the_date_check_reads_the_last_value_as_django_does():
    from django.http import QueryDict

    assert date_hierarchy_is_valid(QueryDict("d__year=99999999999&d__year=2026"), "d")
    assert not date_hierarchy_is_valid(QueryDict("d__year=2026&d__year=99999999999"), "d")
    assert date_hierarchy_is_valid(QueryDict(""), "d")


@pytest.mark.parametrize(
    "query",
    [
        "consented_at__gte=abc",
        "consented_at__gte=99999-01-01",
        "consented_at__lt=2026-02-30",
        "version__id__exact=abc",
        "version__id__exact=99999999999999999999999",
        "version__document__id__exact=-1",
        "method__exact=%FF%FE",
        "o=abc",
        "o=99999999999999999999",
        "p=abc",
        "p=-1",
        "p=99999999999999999999",
        "q=" + "a" * 5000,
    ],
)
def test_other_hostile_filters_never_answer_500(staff, query):
    response = staff.get(f"/admin/terms/consent/?{query}", follow=True)
    assert response.status_code == HTTPStatus.OK


def test_bad_parameters_after_an_error_flag_show_the_list_not_a_database_error(staff):
    response = staff.get("/admin/terms/consent/?e=1&consented_at__year=99999999999")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/admin/terms/consent/"
    response = staff.get(response["Location"])
    assert response.status_code == HTTPStatus.OK
    assert BAD_FILTER in messages_of(response)


# Actions: malformed and unknown selections.


@pytest.mark.parametrize(
    ("selected", "message"),
    [
        (["abc"], NOT_UNDERSTOOD),
        (["1.5"], NOT_UNDERSTOOD),
        ([""], NOT_UNDERSTOOD),
        (["99999999999999999999999"], NOT_UNDERSTOOD),  # beyond a 64-bit primary key
        (["{pk}", "abc"], NOT_UNDERSTOOD),
        (["999999"], NOT_IN_LIST),
        (["{pk}", "999999"], NOT_IN_LIST),
    ],
)
def test_an_action_on_a_bad_selection_changes_nothing_and_says_why(
    staff, document, selected, message
):
    selected = [value.format(pk=document.pk) for value in selected]
    response = staff.post(
        "/admin/terms/termsdocument/",
        {"action": "draft_new_version", "_selected_action": selected},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/admin/terms/termsdocument/"
    assert not document.versions.filter(published_at__isnull=True).exists()
    shown = messages_of(staff.get(response["Location"]))
    assert any(text.startswith(message) for text in shown), shown


def test_an_export_of_a_bad_selection_is_refused_not_answered_with_an_empty_file(staff):
    for selected in (["abc"], ["999999"]):
        response = staff.post(
            "/admin/terms/consent/", {"action": "export_csv", "_selected_action": selected}
        )
        assert response.status_code == HTTPStatus.FOUND
        assert not response["Content-Type"].startswith("text/csv")


def test_select_across_still_acts_on_the_whole_list(staff, document):
    response = staff.post(
        "/admin/terms/termsdocument/",
        {"action": "draft_new_version", "_selected_action": [document.pk], "select_across": "1"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert document.versions.filter(published_at__isnull=True).exists()


def test_select_across_with_a_malformed_selection_is_refused(staff, document):
    response = staff.post(
        "/admin/terms/termsdocument/",
        {"action": "draft_new_version", "_selected_action": ["abc"], "select_across": "1"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert not document.versions.filter(published_at__isnull=True).exists()


# The mechanism, wherever a ModelAdmin comes from.


@pytest.mark.urls("tests.test_bad_input")
def test_a_safe_admin_site_makes_third_party_admins_safe(staff):
    group = Group.objects.create(name="counsellors")
    assert isinstance(safe_site._registry[Group], SafeInputAdminMixin)
    response = staff.post(
        "/safe-admin/auth/group/",
        {"action": "delete_selected", "_selected_action": ["abc"], "post": "yes"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert NOT_UNDERSTOOD in messages_of(staff.get(response["Location"]))
    assert Group.objects.filter(pk=group.pk).exists()
    response = staff.get("/safe-admin/admin/logentry/?action_time__year=99999999999", follow=True)
    assert response.status_code == HTTPStatus.OK
    assert BAD_FILTER in messages_of(response)


def test_every_registered_admin_answers_bad_input_cleanly():
    """Every ModelAdmin of admin.site, the portal's and third-party ones (auth, allauth),
    is safe: `make_admin_site_safe(admin.site)` once all are registered (the portal's own
    may also inherit portal.admin_tools.SafeModelAdmin)."""
    unsafe = sorted(
        f"{model._meta.label}: {type(model_admin).__module__}.{type(model_admin).__name__}"
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, SafeInputAdminMixin)
    )
    assert unsafe == []


@pytest.fixture
def requested_booking(make_user):
    office = make_office()
    slot = make_slot(office, make_counsellor(office), timezone.now() + dt.timedelta(days=3))
    return make_confirmed_booking(slot, make_user(), status=Booking.Status.REQUESTED)


def test_the_booking_admin_refuses_a_bad_selection_and_confirms_nothing(staff, requested_booking):
    for selected in (["abc"], ["99999999999999999999999"], [requested_booking.pk, 999999]):
        response = staff.post(
            "/admin/bookings/booking/", {"action": "confirm", "_selected_action": selected}
        )
        assert response.status_code == HTTPStatus.FOUND, selected
        requested_booking.refresh_from_db()
        assert requested_booking.status == Booking.Status.REQUESTED


def test_the_slot_list_answers_an_impossible_year_with_a_message(staff):
    response = staff.get("/admin/bookings/slot/?starts_at__year=99999999999", follow=True)
    assert response.status_code == HTTPStatus.OK
    assert BAD_FILTER in messages_of(response)


# Every registered admin, walked: no list and no action answers 500 to hostile input.

HOSTILE_LIST_QUERIES = [
    "id=abc",
    "id=99999999999999999999999",
    "id__in=1,abc",
    "o=abc",
    "o=99999999999999999999",
    "p=abc",
    "p=99999999999999999999",
    "all=abc",
    "_facets=abc",
    "q=" + "x" * 2000,
    "e=1&id=abc",
]


def registered_labels() -> list[str]:
    return sorted(model._meta.label_lower for model in admin.site._registry)


def model_admin_of(label: str):
    return next(a for m, a in admin.site._registry.items() if m._meta.label_lower == label)


@pytest.mark.parametrize("label", registered_labels())
def test_no_admin_list_or_action_answers_500_to_hostile_input(staff, label):
    model_admin = model_admin_of(label)
    opts = model_admin.model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    queries = list(HOSTILE_LIST_QUERIES)
    if model_admin.date_hierarchy:
        field = model_admin.date_hierarchy
        queries += [field + params.format(f=field) for params in IMPOSSIBLE_DATES]
    for query in queries:
        response = staff.get(f"{url}?{query}", follow=True)
        assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR, query
    response = staff.get(url)
    assert response.status_code == HTTPStatus.OK
    action_form = response.context.get("action_form")
    actions = (
        [name for name, _ in action_form.fields["action"].choices if name] if action_form else []
    )
    for action in actions:
        for selected in (["abc"], ["999999"]):
            response = staff.post(url, {"action": action, "_selected_action": selected})
            assert response.status_code == HTTPStatus.FOUND, (action, selected)
    if actions:  # the messages of the last two refusals
        shown = messages_of(staff.get(url))
        assert NOT_UNDERSTOOD in shown and any(m.startswith(NOT_IN_LIST) for m in shown), shown


def test_the_change_page_of_a_revised_version_shows_the_diff(staff, document):
    second = publish_historical(
        document, "## 第1条\n\n規約を改めました。\n", effective_at=timezone.now(), summary="改定"
    )
    response = staff.get(f"/admin/terms/termsversion/{second.pk}/change/")
    assert response.status_code == HTTPStatus.OK
    assert "<td>+</td><td>規約を改めました。</td>" in response.content.decode()
