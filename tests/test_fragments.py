"""Versioned fragments: a change makes every fragment rendered before it stale at once."""

import pytest
from django.db import transaction

from portal.fragments import VersionedFragments

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stored_fragment_is_served_until_a_change():
    fragments = VersionedFragments("test-a", seconds=60)
    value, ticket = fragments.get(1, "ja")
    assert value is None
    fragments.put(ticket, "<p>one</p>")
    assert fragments.get(1, "ja")[0] == "<p>one</p>"
    assert fragments.get(1, "en")[0] is None  # each part has its own fragment
    assert fragments.get(2, "ja")[0] is None  # and each owner
    fragments.changed(1)  # autocommit: at once
    assert fragments.get(1, "ja")[0] is None


def test_a_change_committed_while_rendering_makes_that_rendering_stale():
    fragments = VersionedFragments("test-b", seconds=60)
    _value, ticket = fragments.get(1, "ja")  # a request starts rendering ...
    fragments.changed(1)  # ... another commits a change ...
    fragments.put(ticket, "<p>before the change</p>")  # ... the first stores what it saw
    assert fragments.get(1, "ja")[0] is None


def test_a_change_rolled_back_bumps_nothing():
    fragments = VersionedFragments("test-c", seconds=60)
    _value, ticket = fragments.get(1, "ja")
    fragments.put(ticket, "<p>kept</p>")
    with pytest.raises(RuntimeError), transaction.atomic():
        fragments.changed(1)
        raise RuntimeError("rolled back")
    assert fragments.get(1, "ja")[0] == "<p>kept</p>"
