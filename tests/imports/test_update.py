"""--update upserts and counts; --dry-run writes nothing; progress and the summary."""

from __future__ import annotations

import pytest

from academics import models as am
from tests import factories
from tests.imports.conftest import db_counts

pytestmark = pytest.mark.django_db


def summary(stdout: str) -> dict[str, tuple[int, ...]]:
    out = {}
    for line in stdout.splitlines()[1:]:
        parts = line.split()
        if len(parts) == 5 and parts[1].replace(",", "").isdigit():
            out[parts[0]] = tuple(int(p.replace(",", "")) for p in parts[1:])
    return out


def test_update_creates_updates_and_leaves_unchanged_rows(write, run_import):
    cse = factories.DepartmentFactory(code="CSE")
    ece = factories.DepartmentFactory(code="ECE")
    b1 = factories.BatchFactory(code="B1", department=cse)
    factories.StudentFactory(roll_number="R1", name="Same", email="r1@example.edu", batch=b1)
    factories.StudentFactory(roll_number="R2", name="Old name", email="", batch=b1)
    factories.BatchFactory(code="B2", department=ece)
    path = write(
        "students.csv",
        "roll_number,name,email,batch\n"
        "R1,Same,r1@example.edu,B1\nR2,New name,r2@example.edu,B2\nR3,Fresh,,B1\n",
    )

    run = run_import("students", path)
    assert not run.ok
    assert run.problems == [
        'students.csv:2: roll_number: "R1" already exists (import with --update to change it)',
        'students.csv:3: roll_number: "R2" already exists (import with --update to change it)',
    ]

    run = run_import("students", path, "--update")
    assert run.ok, run.stderr
    assert summary(run.stdout)["students"] == (3, 1, 1, 1)
    r2 = am.Student.objects.get(roll_number="R2")
    assert (r2.name, r2.email, r2.batch.code) == ("New name", "r2@example.edu", "B2")
    assert am.Student.objects.get(roll_number="R3").batch.code == "B1"

    run = run_import("students", path, "--update")
    assert summary(run.stdout)["students"] == (3, 0, 0, 3)


def test_update_of_every_kind_is_idempotent(run_import, settings):
    sample = str(settings.BASE_DIR / "imports" / "sample")
    assert run_import("--dir", sample).ok
    before = db_counts()
    run = run_import("--dir", sample, "--update")
    assert run.ok, run.stderr
    counts = summary(run.stdout)
    assert all(c[1] == c[2] == 0 and c[3] == c[0] for c in counts.values()), counts
    assert db_counts() == before


def test_update_changes_optional_columns_and_times(write, run_import):
    factories.DepartmentFactory(code="CSE")
    write("timeslots.csv", "day,period,start,end\nMON,1,09:00,09:50\n", folder="a")
    write("faculty.csv", "employee_id,name,email,department\nF1,A,,CSE\n", folder="a")
    assert run_import("--dir", "a").ok
    write("timeslots.csv", "day,period,start,end\nMON,1,09:00,09:55\n", folder="b")
    write(
        "faculty.csv",
        "employee_id,name,email,department,max_hours_per_week\nF1,A,,CSE,12\n",
        folder="b",
    )
    run = run_import("--dir", "b", "--update")
    assert run.ok, run.stderr
    assert summary(run.stdout)["timeslots"] == (1, 0, 1, 0)
    assert am.TimeSlot.objects.get().end_time.minute == 55
    faculty = am.Faculty.objects.get()
    assert (faculty.max_hours_per_week, faculty.max_hours_per_day) == (12, 4)


def test_dry_run_validates_reports_and_writes_nothing(write, run_import):
    path = write("departments.csv", "code,name\nCSE,CS\nECE,EC\n")
    run = run_import("departments", path, "--dry-run")
    assert run.ok
    assert summary(run.stdout)["departments"] == (2, 2, 0, 0)
    assert "Dry run" in run.stdout and "nothing was written" in run.stdout
    assert am.Department.objects.count() == 0


def test_dry_run_still_reports_problems(write, run_import):
    path = write("departments.csv", "code,name\nCSE,\n")
    run = run_import("departments", path, "--dry-run")
    assert not run.ok
    assert run.problems == ["departments.csv:2: name: required, but empty"]


def test_progress_lines_and_summary(write, run_import):
    rows = "".join(f"D{i},Department {i}\n" for i in range(5))
    run = run_import(
        "departments", write("departments.csv", "code,name\n" + rows), "--progress-every", "2"
    )
    assert run.ok
    assert "  departments.csv: 2 rows read" in run.stderr.splitlines()
    assert "  departments: 5/5 rows saved (100%)" in run.stderr.splitlines()
    assert summary(run.stdout)["total"] == (5, 5, 0, 0)
    assert "Imported in " in run.stdout


def test_update_of_changed_rows_of_every_kind(run_import, write, settings):
    sample = settings.BASE_DIR / "imports" / "sample"
    assert run_import("--dir", str(sample)).ok
    for path in sample.glob("*.csv"):
        write(path.name, path.read_text(), folder="changed")
    write("rooms.csv", "code,capacity,kind,building\nLH-101,44,lab,Annex\n", folder="changed")
    write(
        "subjects.csv",
        "code,name,department,kind,sessions_per_week\nCS201,Data Structures II,BSH,lab,2\n",
        folder="changed",
    )
    write(
        "offerings.csv",
        "batch,subject,faculty,group\nCSE-3A,CS201,F004,DS\nCSE-3B,CS201,F004,DS\n",
        folder="changed",
    )
    run = run_import("--dir", "changed", "--update")
    assert run.ok, run.stderr
    counts = summary(run.stdout)
    assert counts["rooms"] == (1, 0, 1, 0)
    assert counts["subjects"] == (1, 0, 1, 0)
    assert counts["offerings"] == (2, 0, 2, 0)
    assert counts["students"] == (210, 0, 0, 210)
    room = am.Room.objects.get(code="LH-101")
    assert (room.capacity, room.kind, room.building) == (44, "lab", "Annex")
    subject = am.Subject.objects.get(code="CS201")
    assert (
        subject.name,
        subject.department.code,
        subject.kind,
        subject.sessions_per_week,
        subject.periods_per_session,
        subject.min_days,
    ) == ("Data Structures II", "BSH", "lab", 2, 2, 2)
    assert set(
        am.Offering.objects.filter(subject=subject).values_list(
            "batch__code", "faculty__employee_id", "group"
        )
    ) == {("CSE-3A", "F004", "DS"), ("CSE-3B", "F004", "DS")}
