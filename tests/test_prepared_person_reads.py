"""The reads of a signed-in person at every request, compiled once per process
(`portal.internals.PreparedQuery`): the user of the session (`User.objects.get(pk=…)`,
ModelBackend's `get_user`) and My Page's waiting-list entries with their places. Each
gives what the ORM gives; anything else goes through the ORM as before."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import models as account_models
from accounts.models import User
from bookings.models import SessionKind, WaitingEntry
from bookings.selectors.waiting import entries_of
from tests.factories import make_counsellor, make_office, make_slot

pytestmark = pytest.mark.django_db


def fields_of(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def count_prepared_reads(monkeypatch) -> list[tuple]:
    """The values each prepared read of a user is run with, from now on."""
    calls: list[tuple] = []
    rows = account_models._USER_BY_PK.rows

    def counted(*values, **options):
        calls.append(values)
        return rows(*values, **options)

    monkeypatch.setattr(account_models._USER_BY_PK, "rows", counted)
    return calls


def test_the_user_by_primary_key_is_the_orm_s_own_instance(make_user):
    person = make_user("prepared@example.jp", login_id="HW0001", must_change_password=True)
    orm = User.objects.filter(pk=person.pk).get()
    for value in (person.pk, str(person.pk)):  # the session keeps the id as a string
        user = User.objects.get(pk=value)
        assert type(user) is User and fields_of(user) == fields_of(orm)
        assert user._state.adding is False and user._state.db == "default"
        assert user.check_password("correct-horse-9")


def test_a_missing_user_is_does_not_exist_as_from_the_orm():
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=987_654_321)
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk="987654321")


def test_only_get_by_primary_key_alone_takes_the_prepared_read(make_user, monkeypatch):
    person = make_user("lookups@example.jp")
    calls = count_prepared_reads(monkeypatch)
    assert User.objects.get(pk=person.pk) == person
    assert calls == [(person.pk,)]
    # Any other lookup is the ORM's, with the ORM's answers.
    assert User.objects.get(email="lookups@example.jp") == person
    assert User.objects.get(pk=person.pk, is_active=True) == person
    with pytest.raises(ValueError):
        User.objects.get(pk="not-a-number")
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=-1)
    assert calls == [(person.pk,)]


def test_a_historical_user_model_reads_through_the_orm(make_user, monkeypatch):
    person = make_user("historical@example.jp")
    monkeypatch.setattr(account_models._USER_BY_PK, "rows", None)  # would fail if called
    historical = MigrationLoader(connection).project_state().apps.get_model("accounts", "User")
    assert historical._default_manager.get(pk=person.pk).email == "historical@example.jp"


def test_a_signed_in_request_reads_the_user_once_and_still_checks_the_session(
    client, make_user, monkeypatch
):
    person = make_user("session@example.jp")
    client.force_login(person)
    calls = count_prepared_reads(monkeypatch)
    assert client.get("/me/").status_code == 200
    assert calls == [(person.pk,)]
    # The session's hash is checked against the row read: a new password signs it out.
    person.set_password("another-horse-7")
    person.save()
    assert client.get("/me/").status_code == 302
    # And a deactivated account is no longer signed in (ModelBackend.user_can_authenticate).
    client.force_login(person)
    User.objects.filter(pk=person.pk).update(is_active=False)
    assert client.get("/me/").status_code == 302


def orm_entries_of(user) -> list[Any]:
    """My Page's entries as the ORM made them before they were prepared."""
    ahead = WaitingEntry.objects.filter(
        slot=OuterRef("slot"), status__in=WaitingEntry.ACTIVE, pk__lte=OuterRef("pk")
    )
    counted = Subquery(
        ahead.order_by().values("slot").annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    )
    return list(
        WaitingEntry.objects.filter(
            user=user, status__in=WaitingEntry.ACTIVE, slot__cancelled_at__isnull=True
        )
        .select_related("slot", "slot__office")
        .annotate(queue_position=counted)
        .order_by("slot__starts_at", "pk")
    )


def test_my_page_s_entries_are_the_orm_s_with_their_places(make_user):
    office = make_office(slug="entries")
    counsellor = make_counsellor(office)
    soon = timezone.now() + dt.timedelta(days=3)
    early, late, cancelled, left = (
        make_slot(office, counsellor, soon + dt.timedelta(hours=h), capacity=3)
        for h in (2, 1, 4, 6)
    )
    for slot in (early, late, cancelled, left):
        slot.kind = SessionKind.SEMINAR
        slot.save()
    cancelled.cancelled_at = timezone.now()
    cancelled.save()
    person, others = (
        make_user("queue@example.jp"),
        [make_user(f"q{i}@example.jp") for i in range(3)],
    )
    # Two people ahead at `early` (one of them offered a seat), one who left before them.
    gone = WaitingEntry.objects.create(slot=early, user=others[0], status=WaitingEntry.Status.LEFT)
    WaitingEntry.objects.create(
        slot=early, user=others[1], status=WaitingEntry.Status.OFFERED, offer_expires_at=soon
    )
    WaitingEntry.objects.create(slot=early, user=others[2])
    WaitingEntry.objects.create(slot=early, user=person)
    WaitingEntry.objects.create(
        slot=late, user=person, status=WaitingEntry.Status.OFFERED, offer_expires_at=soon
    )
    WaitingEntry.objects.create(slot=cancelled, user=person)
    WaitingEntry.objects.create(slot=left, user=person, status=WaitingEntry.Status.LEFT)
    WaitingEntry.objects.create(slot=late, user=others[1])  # behind the person
    assert gone.status == WaitingEntry.Status.LEFT

    prepared, orm = entries_of(person), orm_entries_of(person)
    assert [e.pk for e in prepared] == [e.pk for e in orm]  # late (sooner) first, then early
    assert [e.slot_id for e in prepared] == [late.pk, early.pk]
    assert [e.position for e in prepared] == [e.queue_position for e in orm] == [1, 3]
    for mine, theirs in zip(prepared, orm, strict=True):
        assert fields_of(mine) == fields_of(theirs)
        assert fields_of(mine.slot) == fields_of(theirs.slot)
        assert fields_of(mine.slot.office) == fields_of(theirs.slot.office)
    with CaptureQueriesContext(connection) as queries:
        assert entries_of(person)[0].slot.office.slug == "entries"  # no query for the relations
    assert len(queries) == 1
    assert entries_of(others[0]) == []
