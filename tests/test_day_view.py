"""The counsellor's day in the admin: today's consultations with their actions, the
requests waiting for an answer, alerts and the week's load — behind the office wall, at a
cost that does not grow with the bookings shown."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings import services
from bookings.models import Booking, BookingEvent
from tests.factories import (
    book,
    jst,
    make_confirmed_booking,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
)
from tests.support.staff import sign_in_staff

pytestmark = pytest.mark.django_db
NOW = jst(2026, 11, 24, 9, 55)  # a Tuesday morning
DAY = "/admin/bookings/booking/day/"


@pytest.fixture(autouse=True)
def frozen(freeze):
    freeze(NOW)


@pytest.fixture
def office():
    return make_office_with_terms(slug="k", municipality_codes=["01213"], booking_limit=100)


@pytest.fixture
def staff(client, counsellor):
    sign_in_staff(client, counsellor.user)
    client.cookies["django_language"] = "en"
    return client


def person(make_user, office, n: int, name: str = "山田 花子"):
    user = make_eligible(make_user(f"p{n}@example.jp"), office)
    return user


def consultation(office, counsellor, user, hour: int, minute: int = 0, **fields):
    slot = make_slot(office, counsellor, jst(2026, 11, 24, hour, minute))
    return make_confirmed_booking(slot, user, **fields)


def test_the_day_lists_todays_consultations_in_time_order(staff, office, counsellor, make_user):
    later = consultation(
        office, counsellor, person(make_user, office, 1), 14, full_name="後藤 次郎"
    )
    sooner = consultation(
        office,
        counsellor,
        person(make_user, office, 2),
        10,
        full_name="青木 一郎",
        full_name_kana="アオキ イチロウ",
        interpreter_note="ポルトガル語の通訳",
    )
    html = staff.get(DAY).content.decode()
    assert html.index("青木 一郎") < html.index("後藤 次郎")
    for text in ("アオキ イチロウ", "090-1234-5678", "ポルトガル語の通訳"):
        assert text in html
    # 10:00 is about to start: the 10-minute rule counts down to 10:10.
    assert "15 minutes left before the no-show rule" in html
    assert later.pk and sooner.pk


def test_the_admin_opens_on_the_day_for_office_staff(staff):
    response = staff.get("/admin/")
    assert response.status_code == HTTPStatus.FOUND and response["Location"].startswith(DAY)
    assert staff.get("/admin/?models=1").status_code == HTTPStatus.OK


def test_another_offices_consultations_are_not_shown(staff, office, make_user):
    other = make_office_with_terms(slug="other")
    stranger = make_eligible(make_user("stranger@example.jp"), other)
    consultation(other, make_counsellor(other), stranger, 10, full_name="他所 太郎")
    html = staff.get(DAY + "?counsellor=all").content.decode()
    assert "他所 太郎" not in html


@pytest.mark.parametrize(
    ("action", "field"),
    [("started", "started_at"), ("contacted", "contacted_at"), ("completed", "completed_at")],
)
def test_a_row_button_records_the_mark_and_logs_it(
    staff, office, counsellor, make_user, action, field
):
    booking = consultation(office, counsellor, person(make_user, office, 1), 10)
    response = staff.post(f"/admin/bookings/booking/{booking.pk}/act/", {"do": action})
    assert response.status_code == HTTPStatus.FOUND
    booking.refresh_from_db()
    assert getattr(booking, field) == NOW
    assert booking.events.filter(
        action=action, actor=staff.session["_auth_user_id"] and counsellor.user
    ).exists()


def test_undoing_a_no_show_needs_a_reason(staff, office, counsellor, make_user):
    booking = consultation(office, counsellor, person(make_user, office, 1), 9, 0)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.NO_SHOW, no_show_at=NOW)
    staff.post(f"/admin/bookings/booking/{booking.pk}/act/", {"do": "undo_no_show"})
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.NO_SHOW
    staff.post(
        f"/admin/bookings/booking/{booking.pk}/act/", {"do": "undo_no_show", "reason": "電話あり"}
    )
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


def test_waiting_requests_are_confirmed_or_declined_from_the_day(
    staff, office, counsellor, make_user
):
    office.requires_counsellor_confirmation = True
    office.save()
    first = book(
        office, person(make_user, office, 1), make_slot(office, counsellor, jst(2026, 11, 27, 10))
    )
    second = book(
        office, person(make_user, office, 2), make_slot(office, counsellor, jst(2026, 11, 27, 11))
    )
    html = staff.get(DAY).content.decode()
    assert "Requests waiting for an answer" in html and "Answer by" in html
    staff.post(f"/admin/bookings/booking/{first.pk}/act/", {"do": "confirm"})
    staff.post(f"/admin/bookings/booking/{second.pk}/act/", {"do": "decline", "reason": "満席"})
    assert Booking.objects.get(pk=first.pk).status == Booking.Status.CONFIRMED
    assert Booking.objects.get(pk=second.pk).status == Booking.Status.DECLINED
    assert BookingEvent.objects.filter(booking=second, action="declined", note="満席").exists()


def test_another_offices_booking_cannot_be_acted_on(staff, make_user):
    other = make_office_with_terms(slug="other")
    booking = consultation(
        other, make_counsellor(other), make_eligible(make_user("s@example.jp"), other), 10
    )
    response = staff.post(f"/admin/bookings/booking/{booking.pk}/act/", {"do": "started"})
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert Booking.objects.get(pk=booking.pk).started_at is None


def test_the_weeks_load_counts_bookings_per_day(staff, office, counsellor, make_user):
    consultation(office, counsellor, person(make_user, office, 1), 10)
    consultation(office, counsellor, person(make_user, office, 2), 11)
    make_confirmed_booking(
        make_slot(office, counsellor, jst(2026, 11, 26, 10)), person(make_user, office, 3)
    )
    html = staff.get(DAY).content.decode()
    assert "Tue, 24 November 2026</a>: 2 bookings" in html
    assert "Thu, 26 November 2026</a>: 1 booking" in html


def test_an_htmx_refresh_returns_the_day_alone(staff):
    response = staff.get(DAY, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="day"') and "<html" not in html


def day_queries(client) -> list[str]:
    cache.clear()  # the session and the unread count come from the database each time
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DAY + "?counsellor=all").status_code == HTTPStatus.OK
    return [query["sql"] for query in queries]


def test_the_query_count_does_not_grow_with_the_bookings_shown(
    staff, office, counsellor, make_user
):
    counsellors = [counsellor, *(make_counsellor(office) for _ in range(4))]

    def add(n: int, start: int) -> None:
        # Five counsellors, each with a consultation every half hour from 9:00.
        for i in range(start, start + n):
            slot = make_slot(
                office,
                counsellors[i % 5],
                jst(2026, 11, 24, 9) + dt.timedelta(minutes=30 * (i // 5)),
            )
            booking = make_confirmed_booking(slot, person(make_user, office, i))
            services.issue_room(booking_id=booking.pk)

    add(5, 0)
    day_queries(staff)  # the first page of a session also writes the session
    with_five = day_queries(staff)
    add(45, 5)
    with_fifty = day_queries(staff)
    assert len(with_fifty) == len(with_five), "\n".join(
        sql for sql in with_fifty if sql not in with_five
    )
    html = staff.get(DAY + "?counsellor=all").content.decode()
    assert html.count('name="do" value="started"') == 50


def test_bookings_inside_an_absence_are_an_alert_with_the_list_to_move(
    staff, office, counsellor, make_user
):
    thursday = make_confirmed_booking(
        make_slot(office, counsellor, jst(2026, 11, 26, 10)),
        person(make_user, office, 1),
        full_name="木曜 太郎",
    )
    make_confirmed_booking(
        make_slot(office, counsellor, jst(2026, 11, 27, 10)),
        person(make_user, office, 2),
        full_name="金曜 花子",
    )
    assert "inside an absence" not in staff.get(DAY).content.decode()
    services.record_absence(
        counsellor_id=counsellor.pk,
        starts_at=jst(2026, 11, 26),
        ends_at=jst(2026, 11, 27),
        actor=counsellor.user,
    )
    html = staff.get(DAY).content.decode()
    assert "1 booking inside an absence or closure to move or cancel" in html
    alerts = html[html.index('id="alerts-heading"') : html.index("</section>")]
    assert "木曜 太郎" in alerts and "金曜 花子" not in alerts
    assert '/admin/bookings/booking/?to_move=yes"' in alerts
    assert f"/admin/bookings/booking/{thursday.pk}/change/" in alerts


def test_the_query_count_does_not_grow_with_the_bookings_to_move(
    staff, office, counsellor, make_user
):
    day_queries(staff)  # the first page of a session also writes the session
    nothing = day_queries(staff)
    services.record_absence(
        counsellor_id=counsellor.pk,
        starts_at=jst(2026, 11, 26),
        ends_at=jst(2026, 11, 28),
        actor=counsellor.user,
    )

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            slot = make_slot(
                office, counsellor, jst(2026, 11, 26, 9) + dt.timedelta(minutes=30 * i)
            )
            make_confirmed_booking(slot, person(make_user, office, i))

    add(1, 0)
    one = day_queries(staff)
    add(20, 1)
    twenty = day_queries(staff)
    assert len(nothing) == len(one) == len(twenty)
    html = staff.get(DAY + "?counsellor=all").content.decode()
    assert "21 bookings inside an absence or closure to move or cancel" in html
