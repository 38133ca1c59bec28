"""The number of queries does not grow with the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imports.services import institution_import
from tests import factories

pytestmark = pytest.mark.django_db


def students_csv(tmp_path, count: int, start: int = 0):
    path = tmp_path / f"students-{start}-{count}.csv"
    rows = "".join(
        f"R{i:05d},Student {i},s{i}@example.edu,B{i % 3}\n" for i in range(start, start + count)
    )
    path.write_text("roll_number,name,email,batch\n" + rows)
    return path


def queries_for(path, **options) -> int:
    with CaptureQueriesContext(connection) as ctx:
        institution_import(files={"students": path}, **options)
    return len(ctx.captured_queries)


def test_importing_students_takes_a_small_constant_number_of_queries(tmp_path):
    for i in range(3):
        factories.BatchFactory(code=f"B{i}")
    few = queries_for(students_csv(tmp_path, 20))
    many = queries_for(students_csv(tmp_path, 200, start=1000))
    assert many == few
    assert many <= 8


def test_update_takes_a_small_constant_number_of_queries(tmp_path, django_assert_max_num_queries):
    for i in range(3):
        factories.BatchFactory(code=f"B{i}")
    path = students_csv(tmp_path, 200)
    institution_import(files={"students": path})
    with django_assert_max_num_queries(8):
        report = institution_import(files={"students": path}, update=True)
    assert report.kinds["students"].unchanged == 200
