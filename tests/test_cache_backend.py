"""The portal's Redis cache backend: Django's, keeping its Redis clients between calls."""

import pytest
from django.core.cache import caches
from django.test import override_settings

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_cache(settings):
    config = {
        "BACKEND": "portal.cache.PortalRedisCache",
        "LOCATION": settings.REDIS_URL,
        "KEY_PREFIX": "cache-backend-test",
    }
    with override_settings(CACHES={"default": config}):
        cache = caches["default"]
        cache.clear()
        yield cache
        cache.clear()


def test_it_behaves_as_a_django_cache(redis_cache):
    assert redis_cache.get("missing", "default") == "default"
    redis_cache.set("k", {"v": 1}, 30)
    assert redis_cache.get("k") == {"v": 1}
    assert redis_cache.get_or_set("n", 1, None) == 1
    assert redis_cache.incr("n") == 2
    assert redis_cache.add("k", "other") is False
    assert redis_cache.get_many(["k", "n"]) == {"k": {"v": 1}, "n": 2}
    redis_cache.delete("k")
    assert redis_cache.get("k") is None


def test_it_builds_one_redis_client_and_keeps_it(redis_cache):
    redis_cache.set("k", 1, 30)
    client = redis_cache._cache.get_client("k", write=True)
    redis_cache.get("k")
    redis_cache.delete("k")
    assert redis_cache._cache.get_client("k", write=True) is client
