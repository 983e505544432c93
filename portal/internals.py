"""The only code of the portal that relies on Django's private internals, for speed.

Two things on hot paths cost more in Django's Python than in the database:

- `PreparedQuery`: querysets compiled once per process and run again with other values. The
  room job runs once per confirmation, and on a small machine Django spent three times as
  long building and compiling its two SELECTs as PostgreSQL spent answering them; a booking
  POST's five reads under its locks cost 6 ms of Django's Python against 0.5 ms of
  PostgreSQL's (`Columns` makes the model instances such a read needs). Every signed-in
  request reads its user (`User.objects.get(pk=…)`, 0.46 → 0.12 ms of processor time), and
  My Page its waiting-list entries with their places (5.2 → 2.8 ms for the whole page). The
  queryset stays the one definition of the statement (its joins, its lookups, `FOR UPDATE`
  where the database has it); only the values of its parameters change from run to run,
  and the results pass through the same converters as the ORM's.
- `rows_together`: several prepared queries that do not need each other's answers, sent
  in one round trip (psycopg's pipeline mode). A booking POST's reads under its locks go
  in two round trips instead of four, inside the booking gate, where a rush waits for
  them.
- `insert_with_asynchronous_commit`: one INSERT, in one round trip, whose commit does not
  wait for the disk (PostgreSQL's `synchronous_commit = off` for that transaction only).
  Every signed-in request writes a usage record this way.

What they rely on that Django does not promise (tests/test_internals.py checks each of
these and fails with a message naming it when a Django upgrade changes it):

- `QuerySet._iterable_class`, and `django.db.models.query.ValuesListIterable` as its value
  for a non-flat `values_list()` queryset;
- `QuerySet.query` and `Query.get_compiler(using=...)`, returning an `SQLCompiler`;
- `SQLCompiler.as_sql()` returning `(sql, params)`, the parameters in the order of their
  placeholders and integer values passed through unchanged;
- `Options.concrete_fields`, the fields `Model.from_db()` takes its values for, in order
  (`Columns`: model instances out of a prepared query's rows);
- `SQLCompiler.results_iter(results=[rows], tuple_expected=True)` applying the ORM's
  converters to rows fetched elsewhere, from the compiler that compiled the statement;
- `Query.select_for_update`, a bool;
- `connection.ops.quote_name(name)`, quoting a table or column name for the database;
- `Field.column`, the column of a concrete field;
- `connection.vendor`, "postgresql" on PostgreSQL;
- `connection.connection`, the psycopg connection (whose `pipeline()` is psycopg's public
  API), and `connection.wrap_database_errors`, which turns psycopg's errors into Django's
  (`rows_together`: the errors come out of the pipeline, not out of Django's cursor).

Everything else used here is public: `Options.get_fields()`, `Field.concrete`,
`Field.pre_save()`, `Field.get_db_prep_save()`, `Model.from_db()`, `transaction.get_autocommit()`,
`Model._meta.db_table`, cursors.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock
from typing import cast
from weakref import WeakSet

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import Field, Model, QuerySet
from django.db.models.query import ValuesListIterable
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError
from psycopg import Pipeline

logger = logging.getLogger(__name__)

# Stand-ins for the parameters while the statement is compiled: integers no primary key
# takes, found among the compiled statement's parameters wherever the value goes.
_MARKS = tuple(-7_103_000_001 - i for i in range(8))


@dataclass(frozen=True)
class _Compiled:
    compiler: SQLCompiler
    sql: str
    params: tuple
    positions: tuple[tuple[int, ...], ...]  # each value's places among the parameters
    for_update: bool


class PreparedQuery:
    """`build(*ids)` returns a `values_list()` queryset for those integer values (primary
    keys); `rows(*ids)` runs it as compiled on first use and returns tuples. A value may
    be used by several lookups (the person in each of the subqueries about them), each on
    a primary key or a foreign key to one: a lookup on a smaller integer column would
    compile the stand-in away as out of its range."""

    def __init__(self, build: Callable[..., QuerySet], *, arity: int = 1) -> None:
        if not 1 <= arity <= len(_MARKS):
            raise ValueError(f"arity must be between 1 and {len(_MARKS)}")
        self._build = build
        self._arity = arity
        self._compiled: dict[str, _Compiled] = {}
        self._lock = Lock()
        _ALL.add(self)

    def prepare(self, using: str = DEFAULT_DB_ALIAS) -> None:
        """Compile now (else at the first `rows`): gunicorn's master does, before the fork
        (`prepare_all`), so that no worker's first request pays for it."""
        with self._lock:
            if using not in self._compiled:
                self._compiled[using] = self._compile(using)

    def _compile(self, using: str) -> _Compiled:
        marks = _MARKS[: self._arity]
        queryset = self._build(*marks)
        if queryset._iterable_class is not ValuesListIterable:
            raise ImproperlyConfigured("a prepared query is a values_list() queryset")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        params = tuple(params)
        positions = tuple(
            tuple(i for i, param in enumerate(params) if param == mark) for mark in marks
        )
        if not all(positions):
            raise ImproperlyConfigured(
                "each value of a prepared query must appear among its parameters"
            )
        return _Compiled(
            compiler=compiler,
            sql=sql,
            params=params,
            positions=positions,
            for_update=queryset.query.select_for_update,
        )

    def rows(self, *values: int, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        compiled, params = self._statement(values, using)
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        return self._converted(compiled, fetched)

    def _statement(self, values: tuple[int, ...], using: str) -> tuple[_Compiled, list]:
        if len(values) != self._arity:
            raise TypeError(f"expected {self._arity} values, got {len(values)}")
        if any(type(value) is not int for value in values):
            raise TypeError("the values of a prepared query are integers")
        compiled = self._compiled.get(using)
        if compiled is None:
            self.prepare(using)
            compiled = self._compiled[using]
        if compiled.for_update and transaction.get_autocommit(using):
            # What the ORM says too: a lock outside a transaction would end at once.
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(compiled.params)
        for places, value in zip(compiled.positions, values, strict=True):
            for place in places:
                params[place] = value
        return compiled, params

    @staticmethod
    def _converted(compiled: _Compiled, fetched: list) -> list[tuple]:
        converted = compiled.compiler.results_iter(results=[fetched], tuple_expected=True)
        return cast("list[tuple]", list(converted))


def rows_together(
    *calls: tuple[PreparedQuery, tuple[int, ...]], using: str = DEFAULT_DB_ALIAS
) -> list[list[tuple]]:
    """The rows of each `(query, values)`, the statements sent together in one round trip:
    on PostgreSQL in psycopg's pipeline mode (inside a transaction, its BEGIN goes with
    them), elsewhere one after the other. They run in their order, as one after the other
    would (locks are taken in that order), so none may need another's answer. A failing
    statement raises Django's error, as `rows` does, and the ones after it do not run."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not Pipeline.is_supported():
        return [query.rows(*values, using=using) for query, values in calls]
    statements = [query._statement(values, using) for query, values in calls]
    cursors = [connection.cursor() for _ in statements]
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            for cursor, (compiled, params) in zip(cursors, statements, strict=True):
                cursor.execute(compiled.sql, params)
        fetched = [cursor.fetchall() for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()
    return [
        PreparedQuery._converted(compiled, rows)
        for (compiled, _params), rows in zip(statements, fetched, strict=True)
    ]


_ALL: WeakSet[PreparedQuery] = WeakSet()  # every prepared query still in use


def prepare_all(using: str = DEFAULT_DB_ALIAS) -> int:
    """Compile every prepared query made so far (those of the modules imported), in a
    transaction (a locking statement compiles only in one); returns how many compiled. One
    that cannot be prepared is logged and left to fail at its first use."""
    compiled = 0
    with transaction.atomic(using=using):
        for prepared in list(_ALL):
            try:
                prepared.prepare(using)
            except ImproperlyConfigured:
                logger.exception("a prepared query that cannot be compiled: %r", prepared)
                continue
            compiled += 1
    return compiled


class Columns[M: Model]:
    """A model's concrete fields as a prepared query selects them (`lookups`, through the
    relation `prefix`, less the `deferred` ones) and the instance made from those values
    of a row, starting at its column `at` (`build`), as the ORM makes it: `Model.from_db`,
    deferred fields loaded on first use."""

    def __init__(self, model: type[M], *, prefix: str = "", deferred: tuple[str, ...] = ()):
        self.model = model
        self.attnames = tuple(
            field.attname
            for field in model._meta.concrete_fields
            if field.name not in deferred and field.attname not in deferred
        )
        self.lookups = tuple(prefix + attname for attname in self.attnames)

    def __len__(self) -> int:
        return len(self.attnames)

    def build(self, row: tuple, at: int = 0, *, using: str = DEFAULT_DB_ALIAS) -> M:
        values = row[at : at + len(self.attnames)]
        return self.model.from_db(using, list(self.attnames), values)


def insert_with_asynchronous_commit(instance: Model) -> None:
    """Insert `instance`, a new row (of a model without multi-table inheritance) whose
    loss in a crash would not matter, such as statistics.

    On PostgreSQL outside a transaction: `SET LOCAL synchronous_commit TO OFF` and the
    INSERT in one round trip, run as one implicit transaction, so SET LOCAL ends with it; a
    database crash can lose the last fraction of a second of such rows, never anything
    else. The primary key is not read back. Anywhere else (another database, or inside a
    transaction, which SET LOCAL would outlive) it is `instance.save()`. Columns and values
    come from the model's fields, as the ORM's INSERT takes them."""
    model = type(instance)
    using = router.db_for_write(model, instance=instance)
    connection = connections[using]
    if connection.vendor != "postgresql" or not transaction.get_autocommit(using):
        instance.save(using=using)
        return
    fields = [
        field
        for field in model._meta.get_fields()
        if isinstance(field, Field) and field.concrete and not field.primary_key
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    table = quote(model._meta.db_table)
    insert = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - model names
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF; " + insert, values)
