"""portal.prepared: a queryset compiled once answers as the ORM does, for other values."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from phonenumber_field.phonenumber import PhoneNumber

from bookings.models import Slot
from portal.prepared import PreparedQuery
from tests.factories import jst, make_counsellor, make_office, make_slot

pytestmark = pytest.mark.django_db

FIELDS = ("starts_at", "ends_at", "office__phone", "office__slug", "capacity")


def slot_fields(slot_id: int):
    return Slot.objects.filter(pk=slot_id).values_list(*FIELDS)


@pytest.fixture
def slots():
    office = make_office(slug="p", phone="0144-32-5221")
    counsellor = make_counsellor(office)
    return [make_slot(office, counsellor, jst(2026, 12, d, 10, 0)) for d in (1, 2, 3)]


def test_it_answers_as_the_orm_does_with_its_converters(slots):
    prepared = PreparedQuery(slot_fields)
    for slot in slots:
        [row] = prepared.rows(slot.pk)
        assert row == slot_fields(slot.pk).get()
        assert row[0].tzinfo is not None  # an aware datetime, not the database's text
        assert isinstance(row[2], PhoneNumber) and row[2].as_national == "0144-32-5221"
    assert prepared.rows(-1) == []


def test_it_compiles_once_and_then_only_runs_the_statement(slots, monkeypatch):
    prepared = PreparedQuery(slot_fields)
    prepared.rows(slots[0].pk)
    compiled = []
    monkeypatch.setattr(
        SQLCompiler, "as_sql", lambda *args, **kwargs: compiled.append(1) or ("", ())
    )
    with CaptureQueriesContext(connection) as captured:
        assert prepared.rows(slots[1].pk)[0][0] == slots[1].starts_at
        assert prepared.rows(slots[2].pk)[0][0] == slots[2].starts_at
    assert compiled == []
    assert len(captured.captured_queries) == 2


def test_several_values_go_where_their_lookups_put_them(slots):
    between = PreparedQuery(
        lambda low, high: (
            Slot.objects.filter(pk__gte=low, pk__lte=high, capacity=1)
            .order_by("pk")
            .values_list("pk")
        ),
        arity=2,
    )
    assert between.rows(slots[1].pk, slots[2].pk) == [(slots[1].pk,), (slots[2].pk,)]
    assert between.rows(slots[2].pk, slots[1].pk) == []


@pytest.mark.django_db(transaction=True)
def test_a_locking_query_needs_a_transaction_as_in_the_orm(slots):
    locking = PreparedQuery(
        lambda pk: Slot.objects.select_for_update().filter(pk=pk).values_list("pk")
    )
    with transaction.atomic():
        assert locking.rows(slots[0].pk) == [(slots[0].pk,)]
    with pytest.raises(TransactionManagementError):
        locking.rows(slots[0].pk)


def test_what_it_cannot_prepare_is_refused(slots):
    with pytest.raises(ImproperlyConfigured):
        PreparedQuery(lambda pk: Slot.objects.filter(pk=pk)).rows(slots[0].pk)
    with pytest.raises(ImproperlyConfigured):  # the value twice: which one would change?
        PreparedQuery(
            lambda pk: Slot.objects.filter(pk=pk, counsellor_id=pk).values_list("pk")
        ).rows(slots[0].pk)
    prepared = PreparedQuery(slot_fields)
    with pytest.raises(TypeError):
        prepared.rows(slots[0].pk, slots[1].pk)
    with pytest.raises(TypeError):
        prepared.rows(str(slots[0].pk))
