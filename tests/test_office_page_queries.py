"""The office page costs the same few queries whether 1 or 8 weeks of slots exist."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings import caches, services
from bookings.models import Slot, SlotTemplate
from tests.factories import (
    book,
    jst,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
)

pytestmark = pytest.mark.django_db
MAX_QUERIES = 12


def office_with_weeks(weeks: int, slug: str):
    office = make_office_with_terms(
        slug=slug,
        municipality_codes=["01213"],
        weeks_open=8,
        slot_mode="window",
        window_start=dt.time(10, 0),
        window_end=dt.time(16, 0),
    )
    counsellor = make_counsellor(office)
    SlotTemplate.objects.bulk_create(
        SlotTemplate(
            office=office,
            counsellor=counsellor,
            weekday=weekday,
            start_time=dt.time(10, 0),
            end_time=dt.time(16, 0),
        )
        for weekday in range(5)
    )
    services.generate_slots(office=office, start=dt.date(2026, 11, 24), weeks=weeks)
    return office


def queries_for(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@time_machine.travel(jst(2026, 11, 24, 9, 0))
@pytest.mark.parametrize("signed_in", [False, True])
def test_the_office_page_query_count_does_not_grow_with_the_weeks(
    client, make_user, django_assert_max_num_queries, signed_in
):
    one = office_with_weeks(1, "one-week")
    eight = office_with_weeks(8, "eight-weeks")
    if signed_in:
        user = make_eligible(make_user(), one)
        make_eligible(user, eight)
        client.force_login(user)
    client.get("/offices/one-week/")  # warm the session
    for state in ("rendered", "cached"):
        counts = {}
        for office in (one, eight):
            for week in ("", "?week=2026-12-07"):
                path = f"/offices/{office.slug}/{week}"
                if state == "rendered":
                    cache.clear()  # the week of slots is rendered afresh
                else:  # the page is kept (`caches.office_pages`) after two views
                    client.get(path)
                    client.get(path)
                with django_assert_max_num_queries(MAX_QUERIES):
                    counts[(office.slug, week)] = queries_for(client, path)
        # The same page costs the same, whether the office has 1 or 8 weeks of slots.
        assert counts[("one-week", "")] == counts[("eight-weeks", "")], state
        assert (
            counts[("one-week", "?week=2026-12-07")] == counts[("eight-weeks", "?week=2026-12-07")]
        ), state


@time_machine.travel(jst(2026, 11, 24, 9, 0))
def test_a_booking_or_new_slots_show_at_once_on_the_cached_page(
    client, make_user, django_capture_on_commit_callbacks
):
    from bookings.models import Slot

    office = office_with_weeks(1, "cached")
    slot = (
        Slot.objects.filter(office=office, starts_at__gte=jst(2026, 11, 25))
        .order_by("starts_at")
        .first()
    )
    assert slot is not None
    assert f"/book/{slot.pk}/" in client.get("/offices/cached/").content.decode()
    person = make_eligible(make_user(), office)
    with django_capture_on_commit_callbacks(execute=True):
        book(office, person, slot, job_seeker_number="")
    assert f"/book/{slot.pk}/" not in client.get("/offices/cached/").content.decode()


# The signed-in page: a person with consents, a profile and a booking, at an office with
# terms. Their "Can I book?" part reads the profile, suspensions, bookings and consents;
# it is kept under the person's version, and the whole page with it (`caches.office_pages`),
# so that a second view costs only the request's own query: the user (the usage record goes
# to Redis, `accounts.usage`).
SIGNED_IN_AFRESH = 7
SIGNED_IN_CACHED = 1


def person_with_a_booking(make_user, office, django_capture_on_commit_callbacks, **eligible):
    person = make_eligible(make_user(), office, **eligible)
    slot = Slot.objects.filter(office=office).order_by("-starts_at").first()
    assert slot is not None
    with django_capture_on_commit_callbacks(execute=True):
        book(office, person, slot, job_seeker_number="")
    assert person.consents.exists() and person.bookings.exists()
    return person


@time_machine.travel(jst(2026, 11, 24, 9, 0))
def test_the_signed_in_office_page_reads_the_persons_state_once_then_from_the_cache(
    client, make_user, django_capture_on_commit_callbacks
):
    office = office_with_weeks(2, "with-terms")
    assert office.terms_documents.exists()
    person = person_with_a_booking(make_user, office, django_capture_on_commit_callbacks)
    client.force_login(person)
    for _ in range(2):  # the session, the week of slots and the kept page's stamps are warm
        client.get("/offices/with-terms/")
    with django_capture_on_commit_callbacks(execute=True):
        caches.my_page.changed(person.pk)  # as after a change of the person's state
    assert queries_for(client, "/offices/with-terms/") == SIGNED_IN_AFRESH
    for _ in range(2):
        assert queries_for(client, "/offices/with-terms/") == SIGNED_IN_CACHED
    # What the cache gave is the person's state: their open booking is the office's limit.
    assert (
        "同時に持てる予約の数に達しています" in client.get("/offices/with-terms/").content.decode()
    )


@time_machine.travel(jst(2026, 11, 24, 9, 0))
def test_the_cached_part_changes_with_the_persons_profile_consents_bookings_and_suspension(
    client, make_user, django_capture_on_commit_callbacks
):
    from accounts.services import update_profile
    from bookings.services import cancel_booking, suspend_person
    from terms.selectors import version_in_force

    office = office_with_weeks(2, "changing")
    person = make_eligible(make_user(), office, consent=False)
    client.force_login(person)

    def part() -> str:
        html = client.get("/offices/changing/").content.decode()
        start = html.index('id="eligibility-heading"')
        return html[start : html.index("</section>", start)]

    before = part()
    assert "この相談窓口で予約できます" in before
    assert "に同意したものとみなされます" in before  # "when you apply, you agree to …"
    assert part() == before  # from the cache

    version = version_in_force(office.terms_documents.get())
    assert version is not None
    with django_capture_on_commit_callbacks(execute=True):
        services.record_office_consent(
            user=person,
            office=office,
            version=version,
            ip_address=None,
            user_agent="",
        )
    agreed = part()
    assert "この相談窓口で予約できます" in agreed
    assert "に同意したものとみなされます" not in agreed

    slot = Slot.objects.filter(office=office).order_by("-starts_at").first()
    assert slot is not None
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(office, person, slot, job_seeker_number="")
    assert "同時に持てる予約の数に達しています" in part()

    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking=booking, actor=person)
    assert "この相談窓口で予約できます" in part()

    with django_capture_on_commit_callbacks(execute=True):
        update_profile(user=person, data={"phone": ""})
    assert "氏名、フリガナ（カタカナ）、電話番号の登録が必要です" in part()

    staff = make_user("staff-suspends@example.jp", is_superuser=True, is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        suspend_person(user=person, office=office, actor=staff, reason="テスト")
    assert "ご利用は停止されています" in part()
