"""The office page costs the same few queries whether 1 or 8 weeks of slots exist."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings import services
from bookings.models import SlotTemplate
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
                else:
                    client.get(path)  # the week of slots comes from the cache
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
