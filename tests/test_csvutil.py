"""safe_cell: what the project writes to CSV is never run as a spreadsheet formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from sih28.csvutil import safe_cell, safe_row


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("Data Structures", "Data Structures"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-3, "-3"),
        (2.5, "2.5"),
        (Decimal("-1.5"), "-1.5"),
        (True, "True"),
        (dt.time(9, 0), "09:00:00"),
        (dt.date(2026, 3, 2), "2026-03-02"),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_safe_row_round_trips_through_csv():
    buffer = io.StringIO()
    csv.writer(buffer).writerow(safe_row(["=1+1", "CS201", 3, None]))
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == ["'=1+1", "CS201", "3", ""]
