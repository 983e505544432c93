"""What a transaction changes in the cache is done at its commit in one round trip to
Redis (portal.cache.bump_on_commit, delete_on_commit)."""

import pytest
import redis
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from portal.cache import delete_on_commit
from portal.fragments import VersionedFragments

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent(monkeypatch) -> list[str]:
    """The commands this process sends to Redis from now on."""
    commands: list[str] = []
    real = redis.Redis.execute_command

    def counted(self, *args, **options):
        commands.append(str(args[0]))
        return real(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    return commands


def test_a_transactions_bumps_and_deletes_are_one_round_trip_at_its_commit(sent):
    slots, people = (
        VersionedFragments("batch-a", seconds=60),
        VersionedFragments("batch-b", seconds=60),
    )
    cache.set("unread:7", 3, 60)
    slots.changed(0)  # the script is loaded into this Redis (a round trip more, once)
    sent.clear()
    with transaction.atomic():
        slots.changed(1)
        slots.changed(2)
        people.changed(1)
        delete_on_commit("unread:7")
        slots.changed(1)  # twice in one transaction: once
        assert sent == []  # nothing before the commit
    assert sent == ["EVALSHA"]
    # A version never read is set to 2, not 1: a reader that finds none stores 1.
    assert [cache.get(slots.version_key(n)) for n in (1, 2)] == [2, 2]
    assert cache.get(people.version_key(1)) == 2
    assert cache.get("unread:7") is None
    slots.changed(1)  # autocommit: at once, and an existing version goes up by one
    assert cache.get(slots.version_key(1)) == 3


def test_a_version_read_before_is_incremented_and_its_fragments_go_stale():
    fragments = VersionedFragments("batch-c", seconds=60)
    _value, ticket = fragments.get(1, "ja")  # stores version 1
    fragments.put(ticket, "<p>one</p>")
    with transaction.atomic():
        fragments.changed(1)
    assert cache.get(fragments.version_key(1)) == 2
    assert fragments.get(1, "ja")[0] is None


def test_a_change_whose_savepoint_rolled_back_does_not_take_the_later_ones_with_it():
    """The first change registers its hook inside a savepoint that is rolled back; the
    changes after it are still made at the commit."""
    fragments = VersionedFragments("batch-d", seconds=60)
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            fragments.changed(1)
            raise RuntimeError("the savepoint is rolled back")
        fragments.changed(2)
    assert cache.get(fragments.version_key(2)) == 2


def test_a_rolled_back_transaction_changes_nothing(sent):
    fragments = VersionedFragments("batch-e", seconds=60)
    with pytest.raises(RuntimeError), transaction.atomic():
        fragments.changed(1)
        raise RuntimeError("rolled back")
    assert sent == [] and cache.get(fragments.version_key(1)) is None


def test_another_cache_than_redis_gets_each_change_by_itself():
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=local):
        from django.core.cache import caches

        fragments = VersionedFragments("batch-f", seconds=60)
        caches["default"].set(fragments.version_key(1), 5, None)
        caches["default"].set("unread:8", 1, 60)
        with transaction.atomic():
            fragments.changed(1)
            fragments.changed(2)
            delete_on_commit("unread:8")
        assert caches["default"].get(fragments.version_key(1)) == 6
        assert caches["default"].get(fragments.version_key(2)) == 2
        assert caches["default"].get("unread:8") is None
