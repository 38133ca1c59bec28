"""Reading CSV files into typed rows: pure functions, no database.

A file is streamed (``csv.reader`` over lines decoded one at a time), so a bad byte is
reported with its row, and rows become small tuples of typed values in the field order of
their kind. Every problem is collected as ``FILE:ROW: column: message`` where ROW is the line
of the file (the header is row 1). Where no single column is at fault the column part names
what is: ``header``, ``encoding`` or ``row``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

if TYPE_CHECKING:
    from imports.kinds import KindSpec

#: A default that depends on the rest of the row or on the time grid (see ``validation``).
DEFERRED: Any = type("Deferred", (), {"__repr__": lambda self: "DEFERRED"})()

#: Where a file comes from: a path, or an open file (binary or text) such as an upload.
Source = str | os.PathLike[str] | IO[bytes] | IO[str]

DAYS: tuple[str, ...] = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
DAY_INDEX: dict[str, int] = {name: i for i, name in enumerate(DAYS)}
MAX_PROBLEMS = 200


# --- problems ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    row: int
    column: str
    message: str
    order: int = 0  # position of the file in the import, for sorting

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.column}: {self.message}"


class Problems:
    """Collects problems, keeping the first ``limit`` and counting the rest."""

    def __init__(self, limit: int = MAX_PROBLEMS) -> None:
        self.limit = limit
        self.kept: list[Problem] = []
        self.total = 0

    def add(self, file: str, row: int, column: str, message: str, order: int = 0) -> None:
        self.total += 1
        if len(self.kept) < self.limit:
            self.kept.append(Problem(file, row, column, message, order))

    def __bool__(self) -> bool:
        return self.total > 0

    def __len__(self) -> int:
        return self.total

    def lines(self) -> list[str]:
        out = [str(p) for p in sorted(self.kept, key=lambda p: (p.order, p.row))]
        if self.total > len(self.kept):
            out.append(f"... and {self.total - len(self.kept)} more")
        return out


# --- cells -------------------------------------------------------------------------------


class CellError(ValueError):
    """A cell's text is not a valid value; the message completes ``column: ...``."""


def show(value: str, limit: int = 40) -> str:
    """A cell quoted for a message, shortened when long."""
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return '"' + value.replace('"', '\\"') + '"'


def text(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise CellError(f"longer than {max_length} characters ({len(value)})")
        return value

    return parse


code = text  # codes and keys are text too: kept exactly as written, trimmed


def integer(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not (value.isascii() and value.isdigit()):
            raise CellError(f"must be a whole number >= {low}, not {show(value)}")
        number = int(value)
        if number < low:
            raise CellError(f"must be a whole number >= {low}, not {show(value)}")
        if number > high:
            raise CellError(f"must be at most {high}, not {show(value)}")
        return number

    return parse


def choice(values: Iterable[str]) -> Callable[[str], str]:
    allowed = tuple(values)
    allowed_set = frozenset(allowed)

    def parse(value: str) -> str:
        folded = value.lower()
        if folded not in allowed_set:
            raise CellError(f"must be one of {', '.join(allowed)}, not {show(value)}")
        return folded

    return parse


def day(value: str) -> int:
    index = DAY_INDEX.get(value.upper())
    if index is None:
        raise CellError(f"must be one of {' '.join(DAYS)}, not {show(value)}")
    return index


_TIME = re.compile(r"(\d{1,2}):(\d{2})")


def hhmm(value: str) -> dt.time:
    match = _TIME.fullmatch(value)
    if match:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise CellError(f"must be a time HH:MM (24 h), not {show(value)}")


# Plain addresses (the vast majority) are accepted by this without Django's slower
# validator; it matches a strict subset of what ``EmailValidator`` accepts.
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def email(max_length: int) -> Callable[[str], str]:
    validator = EmailValidator()
    plain = _PLAIN_EMAIL.fullmatch

    def parse(value: str) -> str:
        if len(value) > max_length:
            raise CellError(f"longer than {max_length} characters ({len(value)})")
        if plain(value):
            return value
        try:
            validator(value)
        except ValidationError:
            raise CellError(f"not a valid email address: {show(value)}") from None
        return value

    return parse


def format_key(spec: KindSpec, key: Any) -> str:
    """A key for a message: ``"CSE"``, or ``MON 3`` / ``"F001" TUE 2`` for composite keys."""
    parts = key if isinstance(key, tuple) else (key,)
    shown = []
    for column, part in zip(spec.key, parts, strict=True):
        if column == "day":
            shown.append(DAYS[part])
        elif isinstance(part, int):
            shown.append(str(part))
        else:
            shown.append(show(part))
    return " ".join(shown)


# --- files -------------------------------------------------------------------------------


@dataclass
class ParsedFile:
    """The valid rows of one file, as tuples in the field order of its kind."""

    kind: str
    name: str
    order: int
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    lines: array = field(default_factory=lambda: array("q"))
    #: False when the file could not be read at all (no usable header): its rows are unknown.
    readable: bool = True
    #: Keys of rows that had problems elsewhere: still "known" for references, to avoid
    #: reporting one mistake many times.
    failed_keys: set[Any] = field(default_factory=set)
    bad_rows: int = 0


def key_getter(spec: KindSpec) -> Callable[[tuple[Any, ...]], Any]:
    index = spec.key_index
    if len(index) == 1:
        only = index[0]
        return lambda row: row[only]
    return lambda row: tuple(row[i] for i in index)


def source_name(source: Source, fallback: str) -> str:
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return str(getattr(source, "name", "") or fallback)


class _Lines:
    """Decodes a file line by line, reporting (not raising on) bytes that are not UTF-8."""

    def __init__(self, raw: Iterable[bytes | str], report: Callable[[int, str, str], None]):
        self.raw = raw
        self.report = report
        self.number = 0
        self.bad: set[int] = set()
        self.stopped = False

    def __iter__(self) -> Iterator[str]:
        for chunk in self.raw:
            self.number += 1
            if isinstance(chunk, bytes):
                if self.number == 1:
                    if chunk[:2] in (b"\xff\xfe", b"\xfe\xff"):
                        self.report(
                            1,
                            "encoding",
                            "the file is UTF-16; save it as UTF-8 "
                            '("CSV UTF-8" in spreadsheet programs)',
                        )
                        self.stopped = True
                        return
                    if chunk.startswith(b"\xef\xbb\xbf"):
                        chunk = chunk[3:]
                try:
                    line = chunk.decode("utf-8")
                except UnicodeDecodeError as exc:
                    bad = chunk[exc.start : exc.start + 1].hex().upper()
                    self.report(
                        self.number,
                        "encoding",
                        f"not valid UTF-8 (byte 0x{bad} at position {exc.start + 1}); "
                        "save the file as UTF-8",
                    )
                    self.bad.add(self.number)
                    line = chunk.decode("utf-8", errors="replace")
            else:
                line = chunk
                if self.number == 1 and line.startswith("\ufeff"):
                    line = line[1:]
            if "\x00" in line:
                self.report(
                    self.number, "encoding", "contains a NUL character; is this a CSV text file?"
                )
                self.bad.add(self.number)
                line = line.replace("\x00", "")
            yield line


def _raw_lines(source: Source) -> tuple[Iterable[bytes | str], Callable[[], None]]:
    """An iterable of lines (bytes or str) and what closes it when we opened it ourselves."""
    if isinstance(source, str | os.PathLike):
        handle = open(source, "rb")  # noqa: SIM115 - closed by the caller
        return handle, handle.close
    raw: Any = getattr(source, "file", None) or source  # a Django upload wraps its file
    if hasattr(raw, "seek"):
        try:
            raw.seek(0)
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
    return raw, lambda: None


def read_csv(
    source: Source,
    *,
    spec: KindSpec,
    name: str,
    order: int,
    problems: Problems,
    progress: Callable[[str], None] | None = None,
    progress_every: int = 10_000,
) -> ParsedFile:
    """Stream one CSV file into typed rows; every problem goes to ``problems``."""
    parsed = ParsedFile(kind=spec.kind, name=name, order=order)

    def report(row: int, column: str, message: str) -> None:
        problems.add(name, row, column, message, order)

    try:
        raw, close = _raw_lines(source)
    except OSError as exc:
        report(1, "file", f"cannot be read: {exc.strerror or exc}")
        parsed.readable = False
        return parsed
    try:
        _read(raw, spec, parsed, report, progress, progress_every)
    except OSError as exc:
        report(1, "file", f"cannot be read: {exc.strerror or exc}")
        parsed.readable = False
    finally:
        close()
    return parsed


def _read(
    raw: Iterable[bytes | str],
    spec: KindSpec,
    parsed: ParsedFile,
    report: Callable[[int, str, str], None],
    progress: Callable[[str], None] | None,
    progress_every: int,
) -> None:
    lines = _Lines(raw, report)
    reader = csv.reader(lines)
    plan = None
    width = 0
    start = 1
    count = 0
    key_of = key_getter(spec)
    key_index = spec.key_index
    try:
        for record in reader:
            row = start
            start = reader.line_num + 1
            if not any(record) or (
                not record[0].strip() and not any(cell.strip() for cell in record)
            ):
                continue  # blank line, or only separators and spaces
            if plan is None:
                plan = _header(record, spec, row, report)
                if plan is None:
                    parsed.readable = False
                    return
                width = len(record)
                continue
            if lines.bad and any(n in lines.bad for n in range(row, start)):
                parsed.bad_rows += 1
                continue  # already reported as an encoding problem
            if len(record) != width:
                report(row, "row", f"{len(record)} cells, but the header has {width} columns")
                parsed.bad_rows += 1
                continue
            values = []
            ok = True
            for fld, position in plan:
                cell = record[position].strip() if position is not None else ""
                if not cell:
                    if not fld.required:
                        values.append(fld.default)
                    elif fld.blank_ok:
                        values.append("")
                    else:
                        report(row, fld.column, "required, but empty")
                        values.append(None)
                        ok = False
                    continue
                try:
                    values.append(fld.parse(cell))
                except CellError as exc:
                    report(row, fld.column, str(exc))
                    values.append(None)
                    ok = False
            if ok:
                parsed.rows.append(tuple(values))
                parsed.lines.append(row)
            else:
                parsed.bad_rows += 1
                if all(values[i] is not None for i in key_index):
                    parsed.failed_keys.add(key_of(tuple(values)))
            count += 1
            if progress is not None and count % progress_every == 0:
                progress(f"{parsed.name}: {count:,} rows read")
    except csv.Error as exc:
        report(start, "row", f"not readable as CSV ({exc}); nothing after it was read")
        parsed.readable = False
        return
    if lines.stopped:
        parsed.readable = False
        return
    if plan is None:
        report(1, "header", f"the file is empty; expected a header row ({spec.allowed_text()})")
        parsed.readable = False


def _header(
    record: list[str], spec: KindSpec, row: int, report: Callable[[int, str, str], None]
) -> list[tuple[Any, int | None]] | None:
    """Map each field of the kind to its position in the file, or report what is wrong."""
    names = [cell.strip().lower() for cell in record]
    known = set(spec.columns)
    positions: dict[str, int] = {}
    ok = True
    for i, name in enumerate(names):
        if not name:
            report(row, "header", f"column {i + 1} has no name ({spec.allowed_text()})")
            ok = False
        elif name not in known:
            report(row, name, f"unknown column ({spec.allowed_text()})")
            ok = False
        elif name in positions:
            report(row, name, "duplicate column")
            ok = False
        else:
            positions[name] = i
    for fld in spec.fields:
        if fld.required and fld.column not in positions:
            report(row, fld.column, f"missing required column ({spec.allowed_text()})")
            ok = False
    if not ok:
        return None
    return [(fld, positions.get(fld.column)) for fld in spec.fields]
