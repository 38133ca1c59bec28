"""Raw writers for the import: multi-row ``INSERT`` (``COPY`` on PostgreSQL) and batched
``UPDATE`` by primary key, from plain values, without model instances.

Why they exist: ``bulk_create`` builds a model instance and compiles SQL per row, and
``bulk_update`` builds one ``CASE`` expression per column that grows with the batch. Measured
with ``python -m benchmarks.import_speed --students 100000 --postgres URL`` (its ``orm``
rows run the same import with ``bulk_create`` / ``bulk_update`` in place of these writers)::

    100,000 students, 2 shared CPUs (load 6), seconds of the import alone:

    backend     mode                    raw writers    ORM (bulk_*)    gain
    sqlite      create                       2.23 s         10.28 s    4.6x
    sqlite      --update changed             3.65 s        131.42 s     36x
    postgresql  create (COPY)                3.84 s          9.36 s    2.4x
    postgresql  --update changed             8.38 s        122.54 s     15x

They stay while that gain stays above 10 %; the benchmark's ``orm`` rows are the check.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import connections, router

BATCH_SIZE = 2000  # rows per INSERT / UPDATE batch


class RowWriter:
    """Writes plain values of ``attrs`` to ``model``'s table without model instances.

    Values are prepared by the fields themselves (``get_db_prep_save``) unless they are
    plain text and numbers.
    """

    PLAIN = frozenset(
        {
            "CharField",
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "IntegerField",
            "SmallIntegerField",
            "BigIntegerField",
            "ForeignKey",
            "OneToOneField",
            "TextField",
        }
    )

    def __init__(self, model: Any, attrs: list[str]) -> None:
        self.connection = connections[router.db_for_write(model)]
        self.meta = model._meta
        self.fields = [self.meta.get_field(a) for a in attrs]
        self.prepare = [
            None
            if f.get_internal_type() in self.PLAIN
            else partial(f.get_db_prep_save, connection=self.connection)
            for f in self.fields
        ]
        self.needs_prep = any(p is not None for p in self.prepare)

    def prepared(self, values: list[Any]) -> list[Any]:
        if not self.needs_prep:
            return values
        return [v if p is None else p(v) for p, v in zip(self.prepare, values, strict=True)]


class Inserter(RowWriter):
    """Multi-row ``INSERT`` (``COPY`` on PostgreSQL): ``bulk_create`` without building a
    model instance and compiling SQL per row, which cost most of the time of a large
    import. Columns the CSV does not set get their model default, or stay NULL.
    """

    def __init__(self, model: Any, attrs: list[str]) -> None:
        super().__init__(model, attrs)
        quote = self.connection.ops.quote_name
        meta, fields = self.meta, self.fields
        written = {f.attname for f in fields}
        self.extra = [
            f
            for f in meta.concrete_fields
            if f.attname not in written and not f.primary_key and f.has_default()
        ]
        self.extra_values = [
            f.get_db_prep_save(f.get_default(), connection=self.connection) for f in self.extra
        ]
        columns = ", ".join(quote(f.column) for f in [*fields, *self.extra])
        width = len(fields) + len(self.extra)
        self.one = "(" + ", ".join(["%s"] * width) + ")"
        self.head = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
        limit = self.connection.features.max_query_params
        self.per_statement = max(1, min(BATCH_SIZE, (limit or 65535) // width))
        # PostgreSQL loads rows fastest with COPY (every value quoted, so "" stays an empty
        # string; in a nullable column, which never holds text here, "" is NULL).
        nullable = ", ".join(quote(f.column) for f in fields if f.null)
        options = f"FORMAT csv, FORCE_NULL ({nullable})" if nullable else "FORMAT csv"
        self.copy = (
            f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN WITH ({options})"
            if self.connection.vendor == "postgresql"
            else None
        )

    def insert(self, rows: Iterable[list[Any]]) -> None:
        extra = self.extra_values
        if self.copy is not None:
            buffer = io.StringIO()
            writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
            for row in rows:
                row = self.prepared(row)
                writer.writerow([*row, *extra] if extra else row)
            buffer.seek(0)
            with self.connection.cursor() as cursor:
                cursor.copy_expert(self.copy, buffer)
            return
        params: list[Any] = []
        count = 0
        with self.connection.cursor() as cursor:
            for row in rows:
                params.extend(self.prepared(row))
                if extra:
                    params.extend(extra)
                count += 1
                if count == self.per_statement:
                    cursor.execute(self.head + ", ".join([self.one] * count), params)
                    params, count = [], 0
            if count:
                cursor.execute(self.head + ", ".join([self.one] * count), params)


class Updater(RowWriter):
    """Batched ``UPDATE`` of changed rows by primary key: ``executemany`` on SQLite, one
    ``UPDATE ... FROM (VALUES ...)`` per batch on PostgreSQL (``bulk_update``'s ``CASE``
    expressions grow quadratically and were 20-40x slower here)."""

    def __init__(self, model: Any, attrs: list[str]) -> None:
        super().__init__(model, attrs)
        quote = self.connection.ops.quote_name
        meta, fields = self.meta, self.fields
        table, pk = quote(meta.db_table), quote(meta.pk.column)
        if self.connection.vendor == "postgresql":
            names = [f"c{n}" for n in range(len(fields))]
            sets = ", ".join(
                f"{quote(f.column)} = v.{c}::{f.db_type(self.connection)}"
                for f, c in zip(fields, names, strict=True)
            )
            self.one = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
            self.head = f"UPDATE {table} AS t SET {sets} FROM (VALUES "
            self.tail = f") AS v(pk, {', '.join(names)}) WHERE t.{pk} = v.pk"
            self.many = None
        else:
            sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            self.many = f"UPDATE {table} SET {sets} WHERE {pk} = %s"

    def update(self, rows: Iterable[tuple[list[Any], int]]) -> None:
        batch = [(self.prepared(values), pk) for values, pk in rows]
        if not batch:
            return
        with self.connection.cursor() as cursor:
            if self.many is not None:
                cursor.executemany(self.many, [[*values, pk] for values, pk in batch])
            else:
                params = [p for values, pk in batch for p in (pk, *values)]
                cursor.execute(self.head + ", ".join([self.one] * len(batch)) + self.tail, params)
