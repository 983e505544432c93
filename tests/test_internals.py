"""portal.internals: the Django internals it relies on are still there and still behave so,
and what it builds on them answers as the ORM does.

A failure in the first group means a Django upgrade changed something portal.internals
relies on: its message names the thing; fix portal/internals.py (or go back to the ORM's
public API there) before upgrading."""

import inspect

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Field, Q
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.query import Query
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from phonenumber_field.phonenumber import PhoneNumber

from accounts.models import UsageRecord
from bookings.models import Office, Slot
from portal.internals import Columns, PreparedQuery, insert_with_asynchronous_commit
from tests.factories import jst, make_counsellor, make_office, make_slot

CHANGED = "Django changed what portal.internals relies on: "


def _parameters(function) -> set[str]:
    return set(inspect.signature(function).parameters)


# What portal.internals relies on ------------------------------------------------------------


def test_values_list_querysets_still_name_their_iterable_class():
    from django.db.models import query

    assert hasattr(query, "ValuesListIterable"), (
        CHANGED + "django.db.models.query.ValuesListIterable"
    )
    queryset = Slot.objects.values_list("pk", "starts_at")
    assert getattr(queryset, "_iterable_class", None) is query.ValuesListIterable, (
        CHANGED + "QuerySet._iterable_class is ValuesListIterable for values_list()"
    )
    assert Slot.objects.all()._iterable_class is not query.ValuesListIterable, (
        CHANGED + "QuerySet._iterable_class tells values_list() from other querysets"
    )


def test_a_query_still_makes_its_compiler_from_a_database_alias():
    assert "using" in _parameters(Query.get_compiler), CHANGED + "Query.get_compiler(using=...)"
    compiler = Slot.objects.values_list("pk").query.get_compiler(using="default")
    assert isinstance(compiler, SQLCompiler), CHANGED + "Query.get_compiler returns an SQLCompiler"


def test_a_compiler_still_returns_sql_and_its_parameters_in_order():
    queryset = (
        Slot.objects.filter(pk=-11).filter(office_id=-12).filter(counsellor_id=-13)
    ).values_list("pk")
    compiled = queryset.query.get_compiler(using="default").as_sql()
    assert isinstance(compiled, tuple) and len(compiled) == 2, (
        CHANGED + "SQLCompiler.as_sql() returns (sql, params)"
    )
    sql, params = compiled
    assert isinstance(sql, str), CHANGED + "SQLCompiler.as_sql() returns the SQL as text"
    assert tuple(params) == (-11, -12, -13), (
        CHANGED + "SQLCompiler.as_sql() passes integer values through, in placeholder order"
    )
    assert sql.count("%s") == 3, CHANGED + "SQLCompiler.as_sql() uses %s placeholders"


def test_a_compiler_still_converts_rows_fetched_elsewhere():
    assert {"results", "tuple_expected"} <= _parameters(SQLCompiler.results_iter), (
        CHANGED + "SQLCompiler.results_iter(results=..., tuple_expected=...)"
    )


def test_a_query_still_says_whether_it_locks():
    plain = Slot.objects.values_list("pk").query
    locking = Slot.objects.select_for_update().values_list("pk").query
    assert getattr(plain, "select_for_update", None) is False, CHANGED + "Query.select_for_update"
    assert getattr(locking, "select_for_update", None) is True, CHANGED + "Query.select_for_update"


def test_the_database_still_quotes_names_and_says_its_vendor():
    assert callable(getattr(connection.ops, "quote_name", None)), (
        CHANGED + "connection.ops.quote_name(name)"
    )
    assert connection.ops.quote_name("at") in {'"at"', "`at`", "[at]"}, (
        CHANGED + "connection.ops.quote_name quotes a name"
    )
    assert connection.vendor in {"postgresql", "sqlite"}, CHANGED + "connection.vendor"


def test_options_still_list_the_fields_from_db_takes_in_order():
    from django.db.models import Model

    fields = getattr(Slot._meta, "concrete_fields", None)
    assert fields is not None, CHANGED + "Options.concrete_fields"
    assert [f.attname for f in fields] == [
        f.attname for f in Slot._meta.get_fields() if isinstance(f, Field) and f.concrete
    ], CHANGED + "Options.concrete_fields lists the concrete fields in their order"
    assert {"db", "field_names", "values"} <= _parameters(Model.from_db), (
        CHANGED + "Model.from_db(db, field_names, values)"
    )


def test_concrete_fields_still_name_their_column():
    field = UsageRecord._meta.get_field("user")
    assert field.concrete, CHANGED + "Field.concrete"
    assert getattr(field, "column", None) == "user_id", CHANGED + "Field.column"


# PreparedQuery answers as the ORM does -----------------------------------------------------

FIELDS = ("starts_at", "ends_at", "office__phone", "office__slug", "capacity")


def slot_fields(slot_id: int):
    return Slot.objects.filter(pk=slot_id).values_list(*FIELDS)


@pytest.fixture
def slots(db):
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

    def as_sql(*args, **kwargs):
        compiled.append(1)
        return "", ()

    monkeypatch.setattr(SQLCompiler, "as_sql", as_sql)
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


def test_a_value_goes_to_every_lookup_that_uses_it(slots):
    office = slots[0].office

    def either(pk: int):
        return Slot.objects.filter(Q(pk=pk) | Q(office_id=pk)).order_by("pk").values_list("pk")

    prepared = PreparedQuery(either)
    for value in (office.pk, slots[0].pk, slots[2].pk, -1):
        assert prepared.rows(value) == list(either(value)), value
    assert {pk for (pk,) in prepared.rows(office.pk)} >= {slot.pk for slot in slots}


def test_columns_make_the_instances_the_orm_makes(slots):
    slot_columns, office_columns = Columns(Slot), Columns(Office, prefix="office__")
    deferred = Columns(Slot, deferred=("description",))
    assert "description" not in deferred.attnames and len(deferred) == len(slot_columns) - 1
    prepared = PreparedQuery(
        lambda pk: Slot.objects.filter(pk=pk).values_list(
            *slot_columns.lookups, *office_columns.lookups, *deferred.lookups
        )
    )
    [row] = prepared.rows(slots[1].pk)
    slot = slot_columns.build(row[: len(slot_columns)])
    office = office_columns.build(row[len(slot_columns) : len(slot_columns) + len(office_columns)])
    orm = Slot.objects.select_related("office").get(pk=slots[1].pk)
    assert isinstance(slot, Slot) and not slot._state.adding and slot._state.db == "default"
    for field in Slot._meta.concrete_fields:
        assert getattr(slot, field.attname) == getattr(orm, field.attname), field.name
    for field in Office._meta.concrete_fields:
        assert getattr(office, field.attname) == getattr(orm.office, field.attname), field.name
    assert (
        isinstance(office.phone, PhoneNumber)
        and office.municipality_codes == orm.office.municipality_codes
    )
    lazy = deferred.build(row[len(slot_columns) + len(office_columns) :])
    assert lazy.get_deferred_fields() == {"description"}
    with CaptureQueriesContext(connection) as captured:
        assert lazy.description == orm.description  # loaded on first use, as the ORM's
    assert len(captured.captured_queries) == 1


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
    with pytest.raises(ImproperlyConfigured):  # a value the statement does not take as it is
        PreparedQuery(lambda pk: Slot.objects.filter(pk=pk + 1).values_list("pk")).rows(1)
    prepared = PreparedQuery(slot_fields)
    with pytest.raises(TypeError):
        prepared.rows(slots[0].pk, slots[1].pk)
    with pytest.raises(TypeError):
        prepared.rows(str(slots[0].pk))  # type: ignore[arg-type]  # the wrong type on purpose


# insert_with_asynchronous_commit stores what save() stores --------------------------------


def _usage_record(user, **fields) -> UsageRecord:
    values = {
        "user": user,
        "path_name": "office_detail",
        "office_slug": "k",
        "method": "GET",
        "status_code": 200,
        "device_hash": "ab" * 32,
        "is_smartphone": True,
        **fields,
    }
    return UsageRecord(**values)


def _stored(record_filter) -> dict:
    stored = dict(UsageRecord.objects.filter(**record_filter).values().get())
    del stored["id"]
    return stored


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_on_postgresql_it_stores_what_save_stores(make_user):
    user = make_user()
    at = jst(2026, 12, 1, 9, 30)
    _usage_record(user, at=at, path_name="saved").save()
    with CaptureQueriesContext(connection) as captured:
        insert_with_asynchronous_commit(_usage_record(user, at=at, path_name="inserted"))
    [statement] = [q["sql"] for q in captured.captured_queries]
    assert statement.startswith('SET LOCAL synchronous_commit TO OFF; INSERT INTO "accounts_')
    saved, inserted = _stored({"path_name": "saved"}), _stored({"path_name": "inserted"})
    assert {**saved, "path_name": "inserted"} == inserted
    with connection.cursor() as cursor:  # SET LOCAL ended with the insert's transaction
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_fills_in_field_defaults_as_save_does(make_user):
    user = make_user()
    insert_with_asynchronous_commit(_usage_record(user))
    record = UsageRecord.objects.get()
    assert record.at is not None and record.at.tzinfo is not None


@pytest.mark.django_db
def test_inside_a_transaction_or_off_postgresql_it_is_save(make_user):
    record = _usage_record(make_user())
    with CaptureQueriesContext(connection) as captured:
        insert_with_asynchronous_commit(record)
    assert record.pk is not None  # saved by the ORM, which reads the key back
    assert not any("synchronous_commit" in q["sql"] for q in captured.captured_queries)
    assert UsageRecord.objects.get().path_name == "office_detail"


# rows_together: several prepared queries in one round trip ----------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_queries_sent_together_answer_as_each_alone_in_one_round_trip(slots):
    from portal.internals import rows_together
    from tests.support.exchanges import through_proxy

    prepared = PreparedQuery(slot_fields)
    locking = PreparedQuery(
        lambda pk: Slot.objects.select_for_update().filter(pk=pk).values_list("pk", "capacity")
    )
    alone = [prepared.rows(slots[0].pk), prepared.rows(-1)]
    with through_proxy(connection) as proxy, transaction.atomic():
        locking.rows(slots[2].pk)  # the transaction's BEGIN and a first statement
        proxy.reset()
        prepared.rows(slots[0].pk)
        prepared.rows(slots[1].pk)
        one_by_one = proxy.exchanges
        proxy.reset()
        together = rows_together(
            (prepared, (slots[0].pk,)), (prepared, (-1,)), (locking, (slots[1].pk,))
        )
        assert proxy.exchanges == 1 and one_by_one == 2
    assert together == [*alone, [(slots[1].pk, 1)]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failing_statement_sent_together_raises_djangos_error_and_rolls_back(slots):
    from django.db import DataError

    from portal.internals import rows_together

    prepared = PreparedQuery(slot_fields)
    dividing = PreparedQuery(
        lambda pk: (
            Slot.objects.filter(pk=pk).extra(select={"x": "1 / (capacity - 1)"}).values_list("x")
        )
    )
    with pytest.raises(DataError), transaction.atomic():
        Slot.objects.filter(pk=slots[0].pk).update(capacity=5)
        rows_together((prepared, (slots[0].pk,)), (dividing, (slots[1].pk,)))
    assert Slot.objects.get(pk=slots[0].pk).capacity == 1  # the transaction was rolled back
    assert prepared.rows(slots[0].pk)  # and the connection answers


@pytest.mark.django_db
def test_without_a_pipeline_the_queries_run_one_after_the_other(slots, monkeypatch):
    import portal.internals as internals

    monkeypatch.setattr(internals.Pipeline, "is_supported", staticmethod(lambda: False))
    prepared = PreparedQuery(slot_fields)
    with CaptureQueriesContext(connection) as captured:
        rows = internals.rows_together((prepared, (slots[0].pk,)), (prepared, (slots[1].pk,)))
    assert rows == [prepared.rows(slots[0].pk), prepared.rows(slots[1].pk)]
    assert len(captured.captured_queries) == 2
