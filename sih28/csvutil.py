"""Helpers for the CSV files the project writes.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is run as
a formula by spreadsheet programs ("CSV injection"). Imported text is stored verbatim, so
every exporter passes its text cells through ``safe_cell``, which prefixes a single quote to
such strings; the spreadsheet then shows the text instead of running it. Numbers are written
as numbers: ``-3`` from an integer field stays ``-3``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

#: Leading characters that make a spreadsheet evaluate a cell (ASCII and full-width forms).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: Any) -> str:
    """``value`` as CSV cell text that no spreadsheet will run as a formula.

    ``None`` becomes ``""``; numbers (not booleans), dates and times are written as they are;
    any other value is turned into text and, when it starts like a formula, prefixed with
    ``'``.
    """
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def safe_row(values: Iterable[Any]) -> list[str]:
    """``safe_cell`` of every value of a row, for ``csv.writer.writerow``."""
    return [safe_cell(v) for v in values]
