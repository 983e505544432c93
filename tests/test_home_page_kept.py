"""The home page kept whole (`caches.home_pages`): a second view of the same page (the same
search, page and language) by the same visitor costs no query of its own, and every change
of what it shows shows at once: an office added, edited or removed, the person's unread
count, staff rights."""

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import reverse

from accounts.models import Message
from accounts.services import post_message
from bookings.models import Office
from tests.factories import make_office
from tests.test_office_page_kept import TOKEN, kept, without_token
from tests.test_office_page_queries import queries_for

pytestmark = pytest.mark.django_db
# A signed-in view of a kept page: the user (the session is in the cache). Anonymous: none.
KEPT_SIGNED_IN = 1
KEPT_ANONYMOUS = 0


@pytest.fixture
def offices(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return [
            make_office(
                name=f"苫小牧の窓口{n}", name_en=f"Tomakomai {n}", municipality_codes=["01213"]
            )
            for n in range(3)
        ]


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_kept_home_page_is_the_rendered_page_with_a_token_of_its_own(
    offices, make_user, signed_in
):
    client = Client(enforce_csrf_checks=True)
    if signed_in:
        client.force_login(make_user())
    rendered = kept(client, "/")
    assert queries_for(client, "/") == (KEPT_SIGNED_IN if signed_in else KEPT_ANONYMOUS)
    again = client.get("/").content.decode()
    assert without_token(again) == without_token(rendered) and "苫小牧の窓口2" in again
    tokens = TOKEN.findall(rendered) + TOKEN.findall(again)
    assert len(tokens) == 2 and tokens[0] != tokens[1]  # one per response, none kept
    assert "csrf-token-of-this-response" not in again
    switched = client.post(
        "/i18n/setlang/", {"csrfmiddlewaretoken": tokens[1], "language": "en", "next": "/"}
    )
    assert switched.status_code == 302
    english = client.get("/").content.decode()
    assert '<html lang="en">' in english and "Tomakomai 2" in english


@pytest.mark.parametrize("query", ["", "?postal_code=053-0022", "?prefecture=01&name=窓口&page=2"])
def test_the_kept_home_page_costs_no_query_for_3_and_300_offices(
    client, query, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            make_office(name=f"窓口{n}", municipality_codes=["01213"])
    kept(client, "/" + query)
    counts = [queries_for(client, "/" + query)]
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3, 300):
            make_office(name=f"窓口{n}", municipality_codes=["01213", "01578"])
    assert Office.objects.count() == 300
    assert queries_for(client, "/" + query) == 2  # the new offices: the count and the page
    counts.append(queries_for(client, "/" + query))
    assert counts == [KEPT_ANONYMOUS, KEPT_ANONYMOUS]


def test_an_office_added_edited_or_removed_shows_at_once(
    offices, client, django_capture_on_commit_callbacks
):
    assert "3件" in kept(client, "/")
    with django_capture_on_commit_callbacks(execute=True):
        added = make_office(name="千歳の窓口", municipality_codes=["01224"])
    html = client.get("/").content.decode()
    assert "千歳の窓口" in html and "4件" in html
    assert "千歳の窓口" in kept(client, "/?prefecture=01")
    with django_capture_on_commit_callbacks(execute=True):
        added.name = "ちとせの窓口"
        added.save()
    for path in ("/", "/?prefecture=01"):
        html = client.get(path).content.decode()
        assert "ちとせの窓口" in html and "千歳の窓口" not in html, path
    with django_capture_on_commit_callbacks(execute=True):
        added.delete()
    assert "ちとせの窓口" not in client.get("/").content.decode()


def test_the_mailbox_count_and_staff_rights_show_at_once(
    offices, client, make_user, django_capture_on_commit_callbacks
):
    person = make_user()
    client.force_login(person)
    assert '<span class="badge">' not in kept(client, "/")
    with django_capture_on_commit_callbacks(execute=True):
        post_message(user=person, kind=Message.Kind.GENERAL, params={"subject": "s"})
    assert '<span class="badge">1<' in client.get("/").content.decode()
    assert 'href="/admin/"' not in kept(client, "/")
    person.is_staff = True
    person.save(update_fields=["is_staff"])
    assert 'href="/admin/"' in client.get("/").content.decode()


def test_people_and_languages_each_see_their_own_kept_page(offices, make_user):
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(make_user())
    english = Client()
    english.cookies["django_language"] = "en"
    mailbox = f'href="{reverse("message_list")}"'  # in the header, for a signed-in person
    for _ in range(3):  # in turns, so that each view finds the others' pages kept
        assert mailbox not in anonymous.get("/").content.decode()
        assert mailbox in signed_in.get("/").content.decode()
        page = english.get("/").content.decode()
        assert "Tomakomai 1" in page and "苫小牧の窓口1" not in page


def test_a_message_is_shown_once_and_never_kept(offices, client):
    kept(client, "/")
    storage = CookieStorage(HttpRequest())
    storage.add(messages.SUCCESS, "お知らせのテストです")
    response = HttpResponse()
    storage.update(response)
    client.cookies[CookieStorage.cookie_name] = response.cookies[CookieStorage.cookie_name].value
    assert "お知らせのテストです" in client.get("/").content.decode()
    assert "お知らせのテストです" not in client.get("/").content.decode()


def test_searches_are_kept_apart_and_others_are_rendered_each_time(offices, client):
    with_code = kept(client, "/?postal_code=0530022")
    nowhere = kept(client, "/?postal_code=9071801")  # 沖縄県: no office serves it
    assert "苫小牧の窓口0" in with_code and "苫小牧の窓口0" not in nowhere
    assert without_token(kept(client, "/")) != without_token(with_code)
    assert queries_for(client, "/?postal_code=0530022") == KEPT_ANONYMOUS
    assert not rendered(client, "/?postal_code=0530022")
    # Not the finder's own, or refused by it: rendered each time.
    for path in ("/?x=1", "/?page=1&page=2", "/?page=123456", "/?postal_code=12"):
        kept(client, path)
        assert rendered(client, path), path


def rendered(client, path: str) -> bool:
    """Whether the response was rendered (the test client lists the templates it used)."""
    return "bookings/home.html" in [t.name for t in client.get(path).templates]
