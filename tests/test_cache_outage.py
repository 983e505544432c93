"""A cache outage is not an outage: with the production cache configuration pointed at a
Redis of the test's own, which the test stops, every cache operation is a miss, pages
answer (sessions come from the database), /health/ says the cache is down, and when that
Redis is back the cache works again."""

from http import HTTPStatus

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import override_settings

from portal import cache as portal_cache
from portal.fragments import VersionedFragments
from tests.support.worker import PrivateRedis

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def outage(private_redis):
    """The portal's cache on the private Redis (same options as production), then that
    Redis stopped. Yields the server, to start it again."""
    production = django_settings.CACHES["default"]
    assert production["BACKEND"] == "portal.cache.FailSoftRedisCache"
    config = {**production, "LOCATION": private_redis.url, "KEY_PREFIX": "outage-test"}
    with override_settings(CACHES={"default": config}):
        cache.set("before", "up", 30)
        assert cache.get("before") == "up"  # it really is this Redis the cache talks to
        private_redis.stop()
        yield private_redis


def test_every_cache_operation_is_a_miss_never_an_exception(outage):
    errors_before = portal_cache.errors()
    assert cache.get("before") is None
    assert cache.get("before", "default") == "default"
    cache.set("k", 1, 30)
    assert cache.get("k") is None
    assert cache.incr("k") is None
    assert cache.get_many(["k", "before"]) == {}
    cache.delete_many(["k", "before"])
    cache.delete("k")
    assert cache.add("k", 1, 30) is True  # as an empty cache answers
    assert portal_cache.errors() - errors_before >= 9


def test_versioned_fragments_are_misses(outage, django_capture_on_commit_callbacks):
    fragments = VersionedFragments("outage", seconds=60)
    value, ticket = fragments.get(1, "ja")
    assert value is None
    fragments.put(ticket, "<p>rendered</p>")
    assert fragments.get(1, "ja")[0] is None  # nothing was stored
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        fragments.changed(1)
    assert len(callbacks) == 1  # the bump ran, and did not raise


def test_a_signed_in_person_gets_my_page_with_the_session_from_the_database(
    client, make_user, private_redis
):
    user = make_user()
    config = {
        **django_settings.CACHES["default"],
        "LOCATION": private_redis.url,
        "KEY_PREFIX": "outage-test",
    }
    with override_settings(CACHES={"default": config}):
        assert django_settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
        client.force_login(user)  # the session is in this Redis and in the database
        assert client.get("/me/").status_code == HTTPStatus.OK
        private_redis.stop()
        response = client.get("/me/")
        assert response.status_code == HTTPStatus.OK
        assert response.wsgi_request.user == user


def test_a_person_can_sign_in(client, make_user, outage):
    """allauth's rate limits keep their counts in the cache, behind a lock taken with add()."""
    make_user("bob@example.jp", password="correct-horse-9")
    response = client.post(
        "/accounts/login/", {"login": "bob@example.jp", "password": "correct-horse-9"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert client.get("/me/").wsgi_request.user.email == "bob@example.jp"


def test_health_answers_503_with_the_cache_down_and_counts_its_errors(client, outage):
    assert cache.get("before") is None
    errors = portal_cache.errors()
    response = client.get("/health/")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    body = response.json()
    assert body["checks"] == {"database": "up", "cache": "down", "broker": "up"}
    assert body["cache_errors"] >= errors >= 1


def test_the_cache_works_again_once_redis_is_back(client, outage):
    assert cache.get("before") is None
    outage.start()  # the same port: the clients django-redis keeps reconnect
    cache.set("after", "up", 30)
    assert cache.get("after") == "up"
    assert client.get("/health/").json()["checks"]["cache"] == "up"


def test_the_office_page_the_mailbox_and_a_booking_answer_with_redis_down(
    client, make_user, outage, django_capture_on_commit_callbacks
):
    """What a person does during an outage still works: the office page renders its week of
    slots afresh, the mailbox opens, and a booking POST commits and answers with its page
    (the on-commit cache bumps fail soft instead of turning it into a 500)."""
    import datetime as dt

    from django.utils import timezone

    from bookings.models import Booking
    from tests.factories import make_counsellor, make_eligible, make_office_with_terms, make_slot

    office = make_office_with_terms(slug="outage", municipality_codes=["01213"])
    counsellor = make_counsellor(office)
    starts = timezone.localtime() + dt.timedelta(days=3)
    slot = make_slot(office, counsellor, starts.replace(hour=10, minute=0, second=0, microsecond=0))
    person = make_eligible(make_user("carol@example.jp"), office)
    client.force_login(person)
    assert client.get(f"/offices/{office.slug}/").status_code == HTTPStatus.OK
    assert client.get("/me/messages/").status_code == HTTPStatus.OK
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/offices/{office.slug}/book/{slot.pk}/",
            {"full_name": "山田 花子", "full_name_kana": "ヤマダ ハナコ", "job_seeker_number": ""},
        )
    booking = Booking.objects.get(user=person, slot=slot)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"/me/bookings/{booking.pk}/"
    assert client.get(response["Location"]).status_code == HTTPStatus.OK


@pytest.mark.django_db(transaction=True)
def test_seed_demo_works_with_redis_down(private_redis):
    """The demo data is seeded with the cache and the broker both on a Redis that is down
    (its saves' on-commit hooks, cache bumps and enqueues, fail soft), and a second run
    changes nothing."""
    from django.core.management import call_command

    from bookings.models import Counsellor, Office
    from tests.support.worker import broker_at

    config = {
        **django_settings.CACHES["default"],
        "LOCATION": private_redis.url,
        "KEY_PREFIX": "outage-test",
    }
    with override_settings(CACHES={"default": config}), broker_at(private_redis.url):
        private_redis.stop()
        errors_before = portal_cache.errors()
        call_command("seed_demo")
        call_command("seed_demo")
        assert cache.get("anything") is None  # the cache really was down
        assert portal_cache.errors() > errors_before
    assert set(Office.objects.values_list("slug", flat=True)) == {
        "tachikawa",
        "itami",
        "tomakomai",
    }
    assert Counsellor.objects.count() == 3
