"""The offices: the list, and an office's page with its rules and free slots (a person in
continuing support sees their own counsellor's)."""

import datetime as dt
import hashlib
from typing import cast

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from accounts.context_processors import unread_cache_key
from accounts.models import User
from accounts.selectors import profile_for
from portal.fragments import KeptPages, PageTicket

from .. import caches, selectors
from ..forms import OfficeFinderForm
from ..models import Office
from ..selectors import missing_consents
from ..selectors.eligibility import may_apply_as_registering
from ..selectors.offices import find_offices
from ..selectors.sessions import upcoming_sessions
from ..selectors.support import (
    OwnCounsellor,
    own_counsellor,
    own_counsellor_at,
    with_own_counsellor,
)
from ..selectors.waiting import full_sessions

OFFICES_PER_PAGE = 20


def home(request: HttpRequest) -> HttpResponse:
    """The offices, a page at a time: all of them, or those the finder found (by the
    postal code of the person's address, a prefecture, a name). Kept whole per visitor
    (`caches.home_pages`) while no office changes."""
    kept, ticket = _kept_home(request)
    if kept is not None:
        return _page_response(request, kept)
    form = OfficeFinderForm(request.GET or None)
    offices = Office.objects.all()
    search: tuple[str, ...] = ()
    if form.is_bound:
        if form.is_valid():
            municipalities = form.municipalities
            offices = find_offices(
                municipality_codes=[m.code for m in municipalities]
                if municipalities is not None
                else None,
                prefecture=form.cleaned_data["prefecture"],
                name=form.cleaned_data["name"],
            )
            search = tuple(
                form.cleaned_data[name] for name in ("postal_code", "prefecture", "name")
            )
        else:
            offices = Office.objects.none()
    page = Paginator(offices, OFFICES_PER_PAGE).get_page(request.GET.get("page"))
    code = form.cleaned_data.get("postal_code", "") if form.is_bound and form.is_valid() else ""
    selected_prefecture = form["prefecture"].value() or ""
    context = {
        "form": form,
        "prefecture_options": _prefecture_options(form, selected_prefecture),
        "page": page,
        "offices_html": _office_cards_html(page, search),
        "searched": form.is_bound and form.is_valid() and any(form.cleaned_data.values()),
        "postal_code": f"{code[:3]}-{code[3:]}" if code else "",
        "csrf_token": CSRF_PLACEHOLDER,  # each response puts its own token in
    }
    html = render_to_string("bookings/home.html", context, request=request)
    if ticket is not None and (not form.is_bound or form.is_valid()):
        caches.home_pages.put(ticket, html)
    return _page_response(request, html)


# What the finder's address may hold for its page to be kept: its fields and a page number.
_FINDER_NAMES = frozenset({"postal_code", "prefecture", "name", "page"})


def _kept_home(request: HttpRequest) -> tuple[str | None, PageTicket | None]:
    """The home page as this visitor saw it, if no office has changed since (the offices'
    version) and their unread count is the same. Only the finder's own query strings are
    kept (each name once, a page number of four digits at most); a search the form refuses
    is rendered each time."""
    query = request.GET
    if any(name not in _FINDER_NAMES or len(query.getlist(name)) > 1 for name in query) or (
        len(query.get("page", "")) > 4
    ):
        return None, None
    return _kept_for_visitor(
        request, caches.home_pages, [caches.offices.version_key(caches.ALL_OFFICES)]
    )


def _kept_for_visitor(
    request: HttpRequest,
    pages: KeptPages,
    versions: list[str],
    *parts: str,
    person_version: bool = False,
) -> tuple[str | None, PageTicket | None]:
    """A page kept whole (`pages`) as this visitor saw it: under the `versions` of what it
    shows and, signed in, the person's unread count (the header prints it) and with
    `person_version` their `my_page` version; per path (the page links to itself: the
    language switch), language, person, staff rights and `parts`. Never with a message to
    show (a message is shown once)."""
    if len(messages.get_messages(request)):
        return None, None
    user = request.user
    others: list[str] = []
    if user.is_authenticated:
        if person_version:
            versions = [*versions, caches.my_page.version_key(user.pk)]
        others.append(unread_cache_key(user.pk))
    key = (
        request.get_full_path(),
        get_language(),
        str(user.pk or 0),
        "staff" if user.is_staff else "",
        *parts,
    )
    return pages.get(key, versions, others)


# The finder's 48 options per language and chosen prefecture: the same for everyone.
_PREFECTURE_OPTIONS: dict[tuple[str, str], str] = {}


def _prefecture_options(form: OfficeFinderForm, selected: object) -> str:
    """The prefecture `<option>`s, rendered once per process, language and choice."""
    choices = form.fields["prefecture"].choices  # type: ignore[attr-defined]
    valid = selected in {value for value, _label in choices}
    key = (get_language(), str(selected))
    html = _PREFECTURE_OPTIONS.get(key) if valid else None
    if html is None:
        html = render_to_string(
            "bookings/home.html#prefecture_options",
            {"prefectures": choices, "selected_prefecture": selected},
        )
        if valid:
            _PREFECTURE_OPTIONS[key] = html
    return mark_safe(html)  # noqa: S308 - rendered by our own template above


def _office_cards_html(page: Page, search: tuple[str, ...]) -> str:
    """The cards of the page's offices, rendered once per search, page, language and
    change of any office (`caches.offices`), and per number of offices found, which
    offices added without a save signal (a bulk import) change. Kept, the page costs one
    query (the count) whatever the number of offices."""
    count = page.paginator.count
    if not count:
        return ""
    digest = hashlib.blake2b(repr(search).encode(), digest_size=12).hexdigest()
    html, ticket = caches.offices.get(
        caches.ALL_OFFICES, get_language(), str(count), str(page.number), digest
    )
    if html is None:
        html = render_to_string("bookings/home.html#office_cards", {"offices": page.object_list})
        caches.offices.put(ticket, html)
    # From the cache, html is what put() stored: a string rendered as above.
    return mark_safe(cast(str, html))  # noqa: S308 - rendered by our own template above


def _slots_html(
    request: HttpRequest, office: Office, now: dt.datetime, counsellor: OwnCounsellor | None
) -> str:
    """The week of free slots, rendered once per office, week, language and change: the
    office's, or one counsellor's (for the people assigned to them), never mixed up."""
    requested = selectors.parse_week(request.GET.get("week", ""))
    week = requested.isoformat() if requested else ""
    cacheable = office.booking_cutoff_days > 0  # otherwise it changes every minute
    whose = f"counsellor-{counsellor.pk}" if counsellor is not None else "office"
    names = office.shows_counsellor_names  # whose slot each time is, by name
    if names:
        whose += "-names"
    html = ticket = None
    if cacheable:
        html, ticket = caches.slot_weeks.get(
            office.pk, get_language(), timezone.localdate(now).isoformat(), week, whose
        )
    if html is None:
        monday, slots = selectors.week_of_free_slots(
            office,
            requested,
            now,
            counsellor_id=counsellor.pk if counsellor else None,
            with_counsellors=names,
        )
        first_monday, last_monday = selectors.open_weeks(office, now)
        html = render_to_string(
            "bookings/_slots.html",
            {
                "office": office,
                "counsellor": counsellor,
                "days": selectors.slots_by_day(slots, per_counsellor=names),
                "book_prefix": reverse("book", kwargs={"slug": office.slug, "slot_id": 0})[:-2],
                "monday": monday,
                "sunday": monday + dt.timedelta(days=6),
                "previous_week": monday - dt.timedelta(weeks=1) if monday > first_monday else None,
                "next_week": monday + dt.timedelta(weeks=1) if monday < last_monday else None,
            },
            request=request,
        )
        if ticket is not None:
            caches.slot_weeks.put(ticket, html)
    # From the cache, html is what put() stored: a string rendered as above.
    return mark_safe(cast(str, html))  # noqa: S308 - rendered by our own template above


FULL_MARK = "data-session-full"  # on each full session of `bookings/_sessions.html`


def _sessions_html(request: HttpRequest, office: Office, now: dt.datetime) -> str:
    """The office's seminars, tours and other sessions with the seats left (full ones
    too), cached with the week of slots: every change of the office's slots or bookings
    renders them afresh."""
    cacheable = office.booking_cutoff_days > 0
    html = ticket = None
    if cacheable:
        html, ticket = caches.slot_weeks.get(
            office.pk, get_language(), timezone.localdate(now).isoformat(), "sessions"
        )
    if html is None:
        html = render_to_string(
            "bookings/_sessions.html",
            {
                "sessions": upcoming_sessions(office, now),
                "book_prefix": reverse("book", kwargs={"slug": office.slug, "slot_id": 0})[:-2],
            },
            request=request,
        )
        if ticket is not None:
            caches.slot_weeks.put(ticket, html)
    return mark_safe(cast(str, html))  # noqa: S308 - rendered by our own template above


def office_detail(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    htmx = bool(getattr(request, "htmx", False))
    kept, ticket = (None, None) if htmx else _kept_page(request, slug, now)
    if kept is not None:
        return _page_response(request, kept)
    office, counsellor, eligibility_html = _office_and_person(request, slug, now, part=not htmx)
    slots_html = _slots_html(request, office, now, counsellor)
    if htmx:
        return HttpResponse(slots_html)
    sessions_html = _sessions_html(request, office, now)
    full = FULL_MARK in sessions_html
    context: dict[str, object] = {
        "office": office,
        "slots_html": slots_html,
        "counsellor": counsellor,
        "sessions_html": sessions_html,
        # The waiting lists are read only when the (cached) list shows a full session.
        "full_sessions": full_sessions(office, request.user, now) if full else [],
        # The page is rendered with a placeholder that each response replaces with its
        # own token, so that a kept page never holds one.
        "csrf_token": CSRF_PLACEHOLDER,
    }
    if eligibility_html is not None:
        context["eligibility_html"] = eligibility_html
    html = render_to_string("bookings/office_detail.html", context, request=request)
    stamped_for = _OFFICE_PKS.get(slug)  # the office whose slot version the ticket holds
    _OFFICE_PKS[slug] = office.pk
    if ticket is not None and stamped_for == office.pk and not full and office.booking_cutoff_days:
        caches.office_pages.put(ticket, html)
    return _page_response(request, html)


# A value no token takes (tokens are letters and digits): the kept page's token.
CSRF_PLACEHOLDER = "csrf-token-of-this-response"
# The slug's office in this process, for the version key of its slots: filled by each
# rendering, checked by each storing (a slug given to another office renders afresh).
_OFFICE_PKS: dict[str, int] = {}


def _kept_page(
    request: HttpRequest, slug: str, now: dt.datetime
) -> tuple[str | None, PageTicket | None]:
    """The office's whole page as this visitor saw it, if nothing it shows has changed
    since (`caches.office_pages`), and the ticket to keep the page about to be rendered.
    Only the plain page and its weeks (``?week=``) are kept, and only with no message to
    show (a message is shown once)."""
    office_pk = _OFFICE_PKS.get(slug)
    week = request.GET.get("week", "")
    if (
        office_pk is None
        or any(name != "week" for name in request.GET)
        or len(request.GET.getlist("week")) > 1
        or (week and selectors.parse_week(week) is None)
    ):
        return None, None
    versions = [
        caches.slot_weeks.version_key(office_pk),
        caches.offices.version_key(caches.ALL_OFFICES),
    ]
    day = timezone.localdate(now).isoformat()
    return _kept_for_visitor(request, caches.office_pages, versions, day, person_version=True)


def _page_response(request: HttpRequest, html: str) -> HttpResponse:
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))


def _office_and_person(
    request: HttpRequest, slug: str, now: dt.datetime, *, part: bool
) -> tuple[Office, OwnCounsellor | None, str | None]:
    """The office; for a signed-in person, their own counsellor there (continuing support)
    and their "Can I book?" part (`part`: the whole page, not only its week of slots).

    The person's counsellor and part are kept together under their version (`my_page`:
    every change of their bookings, consents, profile, suspensions, issued accounts,
    no-show lifts or continuing support bumps it; a counsellor's new name bumps the
    people assigned to them) for the office's rules as they are, at most 60 s. Kept, the
    page reads the office as the anonymous page does (one plain query); afresh, the
    counsellor is read in the office's query (`with_own_counsellor`)."""
    user = request.user
    if not user.is_authenticated:
        return get_object_or_404(Office, slug=slug), None, None
    kept, ticket = caches.my_page.get(user.pk, "office", slug, get_language())
    if kept is not None:
        office = get_object_or_404(Office, slug=slug)
        office_pk, rules, mine, html = cast(tuple, kept)
        counsellor = OwnCounsellor(*mine) if mine is not None else None
        if office_pk == office.pk and rules == _rules_of(office):
            # From the cache, html is what put() stored: a string rendered below.
            return office, counsellor, mark_safe(html) if part else None  # noqa: S308
        counsellor = own_counsellor_at(user, office)  # the office changed meanwhile
    else:
        office = get_object_or_404(with_own_counsellor(Office.objects.all(), user), slug=slug)
        counsellor = own_counsellor(office)
    if not part:
        return office, counsellor, None
    html = _eligibility_html(user, office, now)
    mine = (counsellor.pk, counsellor.display_name) if counsellor is not None else None
    caches.my_page.put(ticket, (office.pk, _rules_of(office), mine, html))
    return office, counsellor, mark_safe(html)  # noqa: S308 - rendered by our own template


def _rules_of(office: Office) -> str:
    """A digest of what the office's rules that the person's part shows are now: an edit
    of the office renders that part afresh for everyone."""
    rules = (
        office.name,
        office.name_en,
        str(office.phone),
        office.municipality_codes,
        office.booking_limit,
        office.no_show_limit,
        office.no_show_window_days,
        office.accepts_registering,
        office.requires_job_seeker_number,
        office.requires_residence,
        office.requires_issued_account,
        office.requires_counsellor_confirmation,
    )
    return hashlib.blake2b(repr(rules).encode(), digest_size=8).hexdigest()


def _eligibility_html(user: User, office: Office, now: dt.datetime) -> str:
    """The signed-in person's "Can I book?" part: whether they may book, why not, what they
    will agree to. It reads the person's profile, suspensions, bookings and consents (five
    queries), so `_office_and_person` keeps it under the person's version."""
    return render_to_string(
        "bookings/office_detail.html#eligibility",
        {
            "user": user,
            "office": office,
            "refusals": selectors.refusals(user, office, now=now),
            "consent_needs": missing_consents(user, office),
            "may_apply_registering": may_apply_as_registering(office, profile_for(user)),
        },
    )
