"""Reading CSV files into typed rows: pure functions, no database.

A file is streamed (``csv.reader`` over lines decoded one at a time), so a bad byte is
reported with its row, and rows become named tuples of typed values (``spec.row``: one
attribute per column of their kind). Every problem is collected as
``FILE:ROW: column: message`` where ROW is the line of the file (the header is row 1).
Where no single column is at fault the column part names what is: ``header``,
``encoding`` or ``row``.
"""

from __future__ import annotations

import csv
import io
import os
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from imports.cells import CellError
from imports.kinds import KindSpec

#: Where a file comes from: a path, or an open file (binary or text) such as an upload.
Source = str | os.PathLike[str] | IO[bytes] | IO[str]

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


# --- files -------------------------------------------------------------------------------


@dataclass
class ParsedFile:
    """The valid rows of one file, as named tuples of its kind (``KindSpec.row``)."""

    kind: str
    name: str
    order: int
    rows: list[Any] = field(default_factory=list)
    lines: array = field(default_factory=lambda: array("q"))
    #: False when the file could not be read at all (no usable header): its rows are unknown.
    readable: bool = True
    #: Keys of rows that had problems elsewhere: still "known" for references, to avoid
    #: reporting one mistake many times.
    failed_keys: set[Any] = field(default_factory=set)
    bad_rows: int = 0


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
    make_row = spec.row._make
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
                parsed.rows.append(make_row(values))
                parsed.lines.append(row)
            else:
                parsed.bad_rows += 1
                named = make_row(values)
                if all(getattr(named, column) is not None for column in spec.key):
                    parsed.failed_keys.add(spec.key_of(named))
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
