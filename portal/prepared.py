"""Querysets compiled once per process and run again with other values.

For the few statements on a hot path where building and compiling the queryset costs
more than the database's answer: the room job runs once per confirmation, and on a small
machine Django spent three times as long making its two SELECTs as PostgreSQL spent
answering them. The queryset stays the one definition of the statement (its joins, its
lookups, `FOR UPDATE` where the database has it); only the values of its parameters
change from run to run, and the results pass through the same converters as the ORM's.
"""

from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import ValuesListIterable
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError, get_connection

# Stand-ins for the parameters while the statement is compiled: integers no primary key
# takes, each found exactly once among the compiled statement's parameters.
_MARKS = tuple(-7_103_000_001 - i for i in range(8))


@dataclass(frozen=True)
class _Compiled:
    compiler: SQLCompiler
    sql: str
    params: tuple
    positions: tuple[int, ...]
    for_update: bool


class PreparedQuery:
    """`build(*ids)` returns a `values_list()` queryset for those integer values (primary
    keys); `rows(*ids)` runs it as compiled on first use and returns tuples."""

    def __init__(self, build: Callable[..., QuerySet], *, arity: int = 1) -> None:
        if not 1 <= arity <= len(_MARKS):
            raise ValueError(f"arity must be between 1 and {len(_MARKS)}")
        self._build = build
        self._arity = arity
        self._compiled: dict[str, _Compiled] = {}
        self._lock = Lock()

    def _compile(self, using: str) -> _Compiled:
        marks = _MARKS[: self._arity]
        queryset = self._build(*marks)
        if queryset._iterable_class is not ValuesListIterable:
            raise ImproperlyConfigured("a prepared query is a values_list() queryset")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        params = tuple(params)
        if any(params.count(mark) != 1 for mark in marks):
            raise ImproperlyConfigured(
                "each value of a prepared query must appear once among its parameters"
            )
        return _Compiled(
            compiler=compiler,
            sql=sql,
            params=params,
            positions=tuple(params.index(mark) for mark in marks),
            for_update=queryset.query.select_for_update,
        )

    def rows(self, *values: int, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        if len(values) != self._arity:
            raise TypeError(f"expected {self._arity} values, got {len(values)}")
        if any(type(value) is not int for value in values):
            raise TypeError("the values of a prepared query are integers")
        connection = connections[using]
        compiled = self._compiled.get(using)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(using) or self._compile(using)
                self._compiled[using] = compiled
        if compiled.for_update and get_connection(using).get_autocommit():
            # What the ORM says too: a lock outside a transaction would end at once.
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(compiled.params)
        for position, value in zip(compiled.positions, values, strict=True):
            params[position] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        return list(compiled.compiler.results_iter(results=[fetched], tuple_expected=True))
