"""The office page kept whole (`caches.office_pages`): a second view of the same page by the
same visitor costs the request's own queries only, and every change of what the page shows
shows at once."""

import re

import pytest
import time_machine
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.test import Client

from accounts.models import Message
from accounts.services import post_message, update_profile
from bookings.models import Slot
from tests.factories import book, jst, make_eligible
from tests.test_office_page_queries import office_with_weeks, person_with_a_booking, queries_for

pytestmark = pytest.mark.django_db
FROZEN = jst(2026, 11, 24, 9, 0)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# A signed-in view of a kept page: the user (the session is in the cache; the usage record
# goes to Redis). An anonymous one: none.
KEPT_SIGNED_IN = 1
KEPT_ANONYMOUS = 0


def kept(client, path: str) -> str:
    """The page once it is kept: the views that render and store it, then the kept one."""
    for _ in range(2):
        client.get(path)
    return client.get(path).content.decode()


def without_token(html: str) -> str:
    return TOKEN.sub("", html)


@time_machine.travel(FROZEN)
@pytest.mark.parametrize("signed_in", [False, True])
def test_the_kept_page_is_the_rendered_page_with_a_token_of_its_own(
    make_user, django_capture_on_commit_callbacks, signed_in
):
    office = office_with_weeks(2, "kept")
    client = Client(enforce_csrf_checks=True)
    if signed_in:
        person = person_with_a_booking(make_user, office, django_capture_on_commit_callbacks)
        client.force_login(person)
    path = "/offices/kept/"
    rendered = kept(client, path)
    assert queries_for(client, path) == (KEPT_SIGNED_IN if signed_in else KEPT_ANONYMOUS)
    again = client.get(path).content.decode()
    assert without_token(again) == without_token(rendered)
    tokens = TOKEN.findall(rendered) + TOKEN.findall(again)
    assert len(tokens) == 2 and tokens[0] != tokens[1]  # one per response, none kept
    assert "csrf-token-of-this-response" not in again
    # The kept page's token is a valid one: its language switch works.
    switched = client.post(
        "/i18n/setlang/",
        {"csrfmiddlewaretoken": tokens[1], "language": "en", "next": path},
    )
    assert switched.status_code == 302
    english = client.get(path).content.decode()
    assert '<html lang="en">' in english and "Free times" in english


@time_machine.travel(FROZEN)
def test_people_each_see_their_own_kept_page(make_user, django_capture_on_commit_callbacks):
    office = office_with_weeks(2, "two-people")
    limited = person_with_a_booking(make_user, office, django_capture_on_commit_callbacks)
    free = make_eligible(make_user("free@example.jp"), office)
    clients = {}
    for person in (limited, free):
        clients[person] = Client()
        clients[person].force_login(person)
    anonymous = Client()
    for _ in range(3):  # in turns, so that each view finds the others' pages kept
        assert "同時に持てる予約の数に達しています" in clients[limited].get(
            "/offices/two-people/"
        ).content.decode("utf-8")
        page = clients[free].get("/offices/two-people/").content.decode()
        assert "この相談窓口で予約できます" in page
        assert "同時に持てる予約の数に達しています" not in page
        page = anonymous.get("/offices/two-people/").content.decode()
        assert "予約できるかどうかを確認できます" in page or "ログイン" in page
        assert "この相談窓口で予約できます" not in page and "マイページ" not in page


@time_machine.travel(FROZEN)
def test_a_change_of_the_slots_the_office_the_person_or_their_mailbox_shows_at_once(
    client, make_user, django_capture_on_commit_callbacks
):
    office = office_with_weeks(2, "changes")
    person = make_eligible(make_user(), office)
    client.force_login(person)
    path = "/offices/changes/"
    slot = (
        Slot.objects.filter(office=office, starts_at__gte=jst(2026, 11, 25))
        .order_by("starts_at")
        .first()
    )
    assert slot is not None
    assert f"/book/{slot.pk}/" in kept(client, path)

    # Another person books a slot: the office's slots changed.
    other = make_eligible(make_user("other@example.jp"), office)
    with django_capture_on_commit_callbacks(execute=True):
        book(office, other, slot)
    assert f"/book/{slot.pk}/" not in client.get(path).content.decode()

    # Staff edit the office.
    assert "改称後の窓口" not in kept(client, path)
    office.name = "改称後の窓口"
    with django_capture_on_commit_callbacks(execute=True):
        office.save()
    assert "<h1>改称後の窓口</h1>" in client.get(path).content.decode()

    # The person's state changes (their profile lacks a phone number now).
    assert "この相談窓口で予約できます" in kept(client, path)
    with django_capture_on_commit_callbacks(execute=True):
        update_profile(user=person, data={"phone": ""})
    assert "電話番号の登録が必要です" in client.get(path).content.decode()

    # A message arrives in their mailbox: the header counts it.
    with django_capture_on_commit_callbacks(execute=True):
        post_message(user=person, kind=Message.Kind.GENERAL, params={"subject": "s"})
    unread = person.messages.filter(read_at__isnull=True).count()
    assert f'<span class="badge">{unread}<' in kept(client, path)
    with django_capture_on_commit_callbacks(execute=True):
        post_message(user=person, kind=Message.Kind.GENERAL, params={"subject": "s"})
    assert f'<span class="badge">{unread + 1}<' in client.get(path).content.decode()

    # Staff rights show the staff link.
    assert "/admin/" not in kept(client, path)
    person.is_staff = True
    person.save(update_fields=["is_staff"])
    assert 'href="/admin/"' in client.get(path).content.decode()


@time_machine.travel(FROZEN)
def test_a_message_is_shown_once_and_never_kept(client, make_user):
    office_with_weeks(2, "with-message")
    path = "/offices/with-message/"
    kept(client, path)
    storage = CookieStorage(HttpRequest())
    storage.add(messages.SUCCESS, "お知らせのテストです")
    response = HttpResponse()
    storage.update(response)
    client.cookies[CookieStorage.cookie_name] = response.cookies[CookieStorage.cookie_name].value
    assert "お知らせのテストです" in client.get(path).content.decode()
    assert "お知らせのテストです" not in client.get(path).content.decode()
    assert "お知らせのテストです" not in client.get(path).content.decode()


@time_machine.travel(FROZEN)
def test_the_weeks_are_kept_apart_and_other_query_strings_are_rendered_each_time(client, make_user):
    office_with_weeks(2, "weeks")
    this_week = kept(client, "/offices/weeks/")
    next_week = kept(client, "/offices/weeks/?week=2026-11-30")
    assert without_token(this_week) != without_token(next_week)
    assert "11月30日" in next_week and "11月30日" not in this_week.split('id="slots-heading"')[1]
    assert queries_for(client, "/offices/weeks/?week=2026-11-30") == KEPT_ANONYMOUS
    for path in ("/offices/weeks/?week=bad", "/offices/weeks/?x=1"):
        kept(client, path)
        assert queries_for(client, path) > KEPT_ANONYMOUS, path
