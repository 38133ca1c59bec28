"""The building blocks of a CSV kind: ``Field`` (one column and how its cells become a
value) and ``KindSpec`` (everything about one kind). ``kinds`` and ``kinds_colleges``
describe the kinds with them.

Pure data: no database access.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any

from django.db import models

from imports import cells as p
from sih28.bounds import model_bounds

NO_DEFAULT = object()


@dataclass(frozen=True, slots=True)
class Field:
    """One CSV column and how its cells become a value.

    ``ref`` names the kind whose key this column refers to. Optional columns (absent, or a
    blank cell) take ``default``; a callable default is resolved later from the rest of the
    row (see ``validation``), marked here by ``p.DEFERRED``.
    """

    column: str
    parse: Callable[[str], Any]
    required: bool = True
    blank_ok: bool = False
    default: Any = NO_DEFAULT
    ref: str | None = None
    db: str = ""  # the ``values_list`` lookup that reads the stored value (code space)
    attr: str = ""  # the model attribute written (``department_id`` for references)
    #: A ``;``-separated list of references stored in a many-to-many field: the value is a
    #: sorted tuple of keys, ``db`` the related key lookup (``batches__code``).
    many: bool = False
    #: The columns of this row that form the referenced key when it is composite
    #: (``("basket", "subject")`` names a basket option); empty: this column alone.
    ref_key: tuple[str, ...] = ()
    #: What a reference that resolves to nothing is called (``{value}`` and the row's
    #: columns may appear); empty: ``no NOUN "VALUE" in the database or in this import``.
    missing: str = ""


@dataclass(frozen=True, slots=True)
class KindSpec:
    """Everything about one kind.

    ``noun`` names one row in messages (``no batch "X" ...``). ``row`` is the named tuple a
    row is read into, one attribute per column (``row.employee_id``); ``key_of(row)`` is its
    key (a value, or a tuple for a composite key), ``values_key_of`` the same key of a plain
    tuple of values in column order, and ``ref_lookup`` the ``values_list``
    lookup that reads that key from the database, for the kinds that refer to this one.
    """

    kind: str
    model: type[models.Model]
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    noun: str
    row: type[Any] = field(init=False, repr=False, compare=False)
    key_of: Callable[[Any], Any] = field(init=False, repr=False, compare=False)
    values_key_of: Callable[[tuple[Any, ...]], Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        name = "".join(part.title() for part in self.kind.split("_")) + "Row"
        object.__setattr__(self, "row", namedtuple(name, self.columns))
        object.__setattr__(self, "key_of", attrgetter(*self.key))
        # The same key from a plain tuple of values in column order (a stored row).
        at = [self.columns.index(column) for column in self.key]
        object.__setattr__(self, "values_key_of", itemgetter(*at))

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fields)

    def column_field(self, column: str) -> Field:
        return next(f for f in self.fields if f.column == column)

    @property
    def ref_lookup(self) -> str:
        """The ``values_list`` lookup of this kind's key (a kind others refer to has one key
        column, or ``ref_lookups`` for a composite key)."""
        [column] = self.key
        return self.column_field(column).db

    @property
    def ref_lookups(self) -> tuple[str, ...]:
        """The ``values_list`` lookups of this kind's key columns, in key order."""
        return tuple(self.column_field(column).db for column in self.key)

    @property
    def stored_fields(self) -> tuple[Field, ...]:
        """The fields read with one ``values_list`` (every one but the many-to-many lists)."""
        return tuple(f for f in self.fields if not f.many)

    def format_key(self, key: Any) -> str:
        """A key for a message: ``"CSE"``, or ``MON 3`` / ``"F001" TUE 2`` for composite
        keys."""
        parts = key if isinstance(key, tuple) else (key,)
        shown = []
        for column, part in zip(self.key, parts, strict=True):
            if column == "day":
                shown.append(p.DAYS[part])
            elif isinstance(part, int):
                shown.append(str(part))
            else:
                shown.append(p.show(part))
        return " ".join(shown)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fields if f.required)

    @property
    def optional_columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fields if not f.required)

    @property
    def key_label(self) -> str:
        return "+".join(self.key)

    def allowed_text(self) -> str:
        text = "allowed columns: " + ", ".join(self.required_columns)
        if self.optional_columns:
            text += "; optional: " + ", ".join(self.optional_columns)
        return text


def max_length(model: type, field: str) -> int:
    return model._meta.get_field(field).max_length  # type: ignore[attr-defined]


def bounded(model: type, field: str) -> Callable[[str], int]:
    """A whole number in the range the model field accepts (its validators: the domain's
    bounds in ``academics.limits`` and the column's own range)."""
    return p.integer(*model_bounds(model, field))


def column(
    name: str,
    parse: Callable[[str], Any],
    *,
    db: str | None = None,
    attr: str | None = None,
    **kw: Any,
) -> Field:
    """A column read as ``db`` and written as ``attr`` (both default to its name)."""
    return Field(name, parse, db=db or name, attr=attr or name, **kw)


def reference(name: str, kind: str, key_len: int, *, db: str, attr: str, **kw: Any) -> Field:
    """A column naming a row of ``kind`` by its key (optional ones default to NULL)."""
    if not kw.get("required", True):
        kw.setdefault("default", None)
    return Field(name, p.code(key_len), ref=kind, db=db, attr=attr, **kw)
