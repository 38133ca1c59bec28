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


def test_college_kinds_take_the_same_number_of_queries_for_few_and_many_rows(tmp_path):
    """Enrollments, basket options and fixed sessions are checked against what is stored
    with one query per table, never one per row."""
    from academics import models as am

    dept = factories.DepartmentFactory(code="CSE")
    factories.RoomFactory(code="LH", kind="lecture", capacity=500)
    for day in range(5):
        factories.TimeSlotFactory(day=day, period=1)
    batch = factories.BatchFactory(code="A", department=dept, size=400)
    teacher = factories.FacultyFactory(employee_id="F1", department=dept)
    basket = am.Basket.objects.create(code="OE", name="OE", sessions_per_week=2, min_days=2)
    basket.batches.add(batch)
    for code in ("E1", "E2"):
        subject = factories.SubjectFactory(code=code, department=dept)
        am.BasketOption.objects.create(basket=basket, subject=subject, faculty=teacher)
    factories.OfferingFactory(batch=batch, subject=factories.SubjectFactory(code="T"))

    def run(count: int, start: int) -> int:
        for i in range(start, start + count):
            factories.StudentFactory(roll_number=f"R{i:04d}", batch=batch)
        enrollments = tmp_path / f"enrollments-{count}.csv"
        enrollments.write_text(
            "roll_number,basket,subject\n"
            + "".join(f"R{i:04d},OE,E{1 + i % 2}\n" for i in range(start, start + count))
        )
        fixed = tmp_path / f"fixed_sessions-{count}.csv"
        fixed.write_text(
            "batch,subject,day,period,room\nA,T,MON,1,LH\nA,T,TUE,1,LH\nA,T,WED,1,LH\n"
        )
        with CaptureQueriesContext(connection) as ctx:
            institution_import(
                files={"enrollments": enrollments, "fixed_sessions": fixed}, dry_run=True
            )
        return len(ctx.captured_queries)

    assert run(20, 0) == run(200, 1000)
