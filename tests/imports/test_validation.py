"""Every validation rule gives its exact ``FILE:ROW: column: message`` line and writes nothing."""

from __future__ import annotations

import pytest

from academics import models as am
from tests import factories
from tests.imports.conftest import db_counts

pytestmark = pytest.mark.django_db

DEPARTMENTS = "code,name\nCSE,Computer Science\n"


def assert_rejected(run, expected: list[str], before: dict[str, int]) -> None:
    assert not run.ok, run.stdout
    assert run.problems == expected
    assert "nothing was written" in run.message
    assert db_counts() == before


# --- header ------------------------------------------------------------------------------


def test_unknown_column_is_named_with_the_allowed_ones(write, run_import):
    before = db_counts()
    path = write("students.csv", "roll_number,name,email,batch,Phone\nR1,A,,B1,123\n")
    assert_rejected(
        run_import("students", path),
        [
            "students.csv:1: phone: unknown column (allowed columns: roll_number, name, email, "
            "batch)",
        ],
        before,
    )


def test_missing_required_column_is_named_with_required_and_optional_ones(write, run_import):
    before = db_counts()
    path = write("rooms.csv", "code,capacity\nR1,30\n")
    assert_rejected(
        run_import("rooms", path),
        [
            "rooms.csv:1: kind: missing required column (allowed columns: code, capacity, kind; "
            "optional: building, features)",
        ],
        before,
    )


def test_duplicate_and_unnamed_columns(write, run_import):
    before = db_counts()
    path = write("departments.csv", "code,name,CODE,\nX,Y,Z,\n")
    assert_rejected(
        run_import("departments", path),
        [
            "departments.csv:1: code: duplicate column",
            "departments.csv:1: header: column 4 has no name (allowed columns: code, name)",
        ],
        before,
    )


def test_header_names_are_case_insensitive_and_trimmed(write, run_import):
    path = write("departments.csv", " Code ,NAME \n CSE , Computer Science \n")
    run = run_import("departments", path)
    assert run.ok, run.stderr
    dept = am.Department.objects.get()
    assert (dept.code, dept.name) == ("CSE", "Computer Science")


# --- cells -------------------------------------------------------------------------------

CELL_CASES = [
    (
        "rooms",
        "code,capacity,kind\nR1,-5,lecture\n",
        'rooms.csv:2: capacity: must be a whole number >= 1, not "-5"',
    ),
    (
        "rooms",
        "code,capacity,kind\nR1,0,lab\n",
        'rooms.csv:2: capacity: must be a whole number >= 1, not "0"',
    ),
    (
        "rooms",
        "code,capacity,kind\nR1,3.5,lab\n",
        'rooms.csv:2: capacity: must be a whole number >= 1, not "3.5"',
    ),
    (
        "rooms",
        "code,capacity,kind\nR1,30,hall\n",
        'rooms.csv:2: kind: must be one of lecture, lab, not "hall"',
    ),
    (
        "timeslots",
        "day,period,start,end\nMONDAY,1,09:00,09:50\n",
        'timeslots.csv:2: day: must be one of MON TUE WED THU FRI SAT SUN, not "MONDAY"',
    ),
    (
        "timeslots",
        "day,period,start,end\nMON,0,09:00,09:50\n",
        'timeslots.csv:2: period: must be a whole number >= 1, not "0"',
    ),
    (
        "timeslots",
        "day,period,start,end\nMON,1,9am,09:50\n",
        'timeslots.csv:2: start: must be a time HH:MM (24 h), not "9am"',
    ),
    (
        "timeslots",
        "day,period,start,end\nMON,1,09:00,24:00\n",
        'timeslots.csv:2: end: must be a time HH:MM (24 h), not "24:00"',
    ),
    (
        "timeslots",
        "day,period,start,end\nTUE,1,10:00,09:00\n",
        "timeslots.csv:2: end: must be later than start (10:00), not 09:00",
    ),
    ("departments", "code,name\nCSE,\n", "departments.csv:2: name: required, but empty"),
    (
        "departments",
        "code,name\n" + "C" * 33 + ",x\n",
        "departments.csv:2: code: longer than 32 characters (33)",
    ),
    (
        "batches",
        "code,name,department,semester,size\nB1,B,CSE,1,-30\n",
        'batches.csv:2: size: must be a whole number >= 1, not "-30"',
    ),
    (
        "faculty",
        "employee_id,name,email,department\nF1,A,bad@,CSE\n",
        'faculty.csv:2: email: not a valid email address: "bad@"',
    ),
    (
        "faculty",
        "employee_id,name,email,department,max_hours_per_week,max_hours_per_day\n"
        "F2,A,a@example.edu,CSE,4,6\n",
        "faculty.csv:2: max_hours_per_day: must not exceed max_hours_per_week (6 > 4)",
    ),
    (
        "subjects",
        "code,name,department,kind,sessions_per_week,min_days\nS1,Maths,CSE,theory,3,4\n",
        "subjects.csv:2: min_days: must not exceed sessions_per_week (4 > 3)",
    ),
    (
        "subjects",
        "code,name,department,kind,sessions_per_week\nS1,Maths,CSE,seminar,3\n",
        'subjects.csv:2: kind: must be one of theory, lab, not "seminar"',
    ),
    (
        "faculty_unavailability",
        "employee_id,day,period\nF1,SUN,1\n",
        "faculty_unavailability.csv:2: period: SUN period 1 is not in the time grid",
    ),
]


@pytest.mark.parametrize(
    ("kind", "text", "line"), CELL_CASES, ids=[c[2].split(": ", 1)[1][:40] for c in CELL_CASES]
)
def test_cell_rules(write, run_import, kind, text, line):
    factories.DepartmentFactory(code="CSE")
    factories.FacultyFactory(employee_id="F1")
    factories.TimeSlotFactory(day=0, period=1)
    before = db_counts()
    path = write(f"{kind}.csv", text)
    assert_rejected(run_import(kind, path), [line], before)


def test_days_are_case_insensitive_and_times_24h(write, run_import):
    path = write("timeslots.csv", "day,period,start,end\nmon,1,9:00,09:50\nFri,7,15:00,23:59\n")
    run = run_import("timeslots", path)
    assert run.ok, run.stderr
    assert sorted(am.TimeSlot.objects.values_list("day", "period")) == [(0, 1), (4, 7)]


def test_every_problem_is_reported_in_row_order(write, run_import):
    before = db_counts()
    path = write(
        "rooms.csv", "code,capacity,kind\nR1,x,lecture\nR2,20,lecture\nR3,30,pool\n,40,lab\n"
    )
    assert_rejected(
        run_import("rooms", path),
        [
            'rooms.csv:2: capacity: must be a whole number >= 1, not "x"',
            'rooms.csv:4: kind: must be one of lecture, lab, not "pool"',
            "rooms.csv:5: code: required, but empty",
        ],
        before,
    )


def test_problems_are_capped_with_a_count_of_the_rest(write, run_import):
    rows = "".join(f"R{i},-1,lecture\n" for i in range(250))
    path = write("rooms.csv", "code,capacity,kind\n" + rows)
    run = run_import("rooms", path)
    assert not run.ok
    assert len(run.problems) == 201
    assert run.problems[0] == 'rooms.csv:2: capacity: must be a whole number >= 1, not "-1"'
    assert run.problems[-1] == "... and 50 more"
    assert run.message == "250 problems found; nothing was written."
    assert am.Room.objects.count() == 0


# --- keys --------------------------------------------------------------------------------


def test_duplicate_key_inside_a_file(write, run_import):
    before = db_counts()
    path = write("departments.csv", "code,name\nCSE,A\nECE,B\nCSE,C\n")
    assert_rejected(
        run_import("departments", path),
        ['departments.csv:4: code: duplicate "CSE" (first on row 2)'],
        before,
    )


def test_duplicate_composite_key(write, run_import):
    before = db_counts()
    path = write("timeslots.csv", "day,period,start,end\nMON,1,09:00,09:50\nmon,1,10:00,10:50\n")
    assert_rejected(
        run_import("timeslots", path),
        ["timeslots.csv:3: day+period: duplicate MON 1 (first on row 2)"],
        before,
    )


def test_existing_key_without_update_is_an_error(write, run_import):
    factories.DepartmentFactory(code="CSE", name="Old")
    before = db_counts()
    path = write("departments.csv", "code,name\nECE,Electronics\nCSE,Computer Science\n")
    assert_rejected(
        run_import("departments", path),
        [
            'departments.csv:3: code: "CSE" already exists (import with --update to change it)',
        ],
        before,
    )
    assert am.Department.objects.get().name == "Old"


# --- references --------------------------------------------------------------------------


def test_reference_to_a_missing_row(write, run_import):
    factories.DepartmentFactory(code="CSE")
    before = db_counts()
    path = write(
        "faculty.csv", "employee_id,name,email,department\nF1,A,a@example.edu,CSE\nF2,B,,XYZ\n"
    )
    assert_rejected(
        run_import("faculty", path),
        [
            'faculty.csv:3: department: no department "XYZ" in the database or in this import',
        ],
        before,
    )


def test_reference_to_a_row_of_the_same_dir_import(write, run_import):
    write("departments.csv", "code,name\nCSE,Computer Science\n", folder="inst")
    write(
        "faculty.csv", "employee_id,name,email,department\nF1,A,a@example.edu,CSE\n", folder="inst"
    )
    run = run_import("--dir", "inst")
    assert run.ok, run.stderr
    assert am.Faculty.objects.get().department.code == "CSE"


def test_a_bad_row_is_not_reported_again_through_its_references(write, run_import):
    write("departments.csv", "code,name\nCSE,\n", folder="inst")
    write("faculty.csv", "employee_id,name,email,department\nF1,A,,CSE\n", folder="inst")
    run = run_import("--dir", "inst")
    assert run.problems == ["inst/departments.csv:2: name: required, but empty"]


def test_references_to_an_unreadable_file_are_not_judged(write, run_import):
    write("departments.csv", "code,title\nCSE,x\n", folder="inst")
    write("faculty.csv", "employee_id,name,email,department\nF1,A,,CSE\n", folder="inst")
    run = run_import("--dir", "inst")
    assert run.problems == [
        "inst/departments.csv:1: title: unknown column (allowed columns: code, name)",
        "inst/departments.csv:1: name: missing required column (allowed columns: code, name)",
    ]


# --- cross-row rules ---------------------------------------------------------------------


@pytest.fixture
def teaching(db):
    for code in ("B1", "B2", "B3"):
        factories.BatchFactory(code=code)
    for code in ("S1", "S2"):
        factories.SubjectFactory(code=code)
    for emp in ("F1", "F2"):
        factories.FacultyFactory(employee_id=emp)


def test_combined_class_must_agree_on_subject_and_faculty(write, run_import, teaching):
    before = db_counts()
    path = write(
        "offerings.csv",
        "batch,subject,faculty,group\nB1,S1,F1,G1\nB2,S2,F1,G1\nB3,S1,F2,G1\nB1,S2,F2,\n",
    )
    assert_rejected(
        run_import("offerings", path),
        [
            'offerings.csv:3: group: combined class "G1" must have one subject and one faculty '
            "member; row 2 has S1 / F1, this row S2 / F1",
            'offerings.csv:4: group: combined class "G1" must have one subject and one faculty '
            "member; row 2 has S1 / F1, this row S1 / F2",
        ],
        before,
    )


def test_combined_class_must_agree_with_stored_offerings(write, run_import, teaching):
    factories.OfferingFactory(
        batch=am.Batch.objects.get(code="B1"),
        subject=am.Subject.objects.get(code="S1"),
        faculty=am.Faculty.objects.get(employee_id="F1"),
        group="G1",
    )
    before = db_counts()
    path = write("offerings.csv", "batch,subject,faculty,group\nB2,S1,F2,G1\n")
    assert_rejected(
        run_import("offerings", path),
        [
            'offerings.csv:2: group: combined class "G1" must have one subject and one faculty '
            "member; the stored offering of batch B1 has S1 / F1, this row S1 / F2",
        ],
        before,
    )


def test_combined_class_is_imported(write, run_import, teaching):
    path = write("offerings.csv", "batch,subject,faculty,group\nB1,S1,F1,G1\nB2,S1,F1,G1\n")
    run = run_import("offerings", path)
    assert run.ok, run.stderr
    assert set(am.Offering.objects.values_list("batch__code", "group")) == {
        ("B1", "G1"),
        ("B2", "G1"),
    }


def test_subject_defaults_follow_kind_and_the_time_grid(write, run_import):
    write("departments.csv", "code,name\nCSE,Computer Science\n", folder="inst")
    # a grid of three days in the same import caps the default min_days at 3
    write(
        "timeslots.csv",
        "day,period,start,end\nMON,1,09:00,09:50\nTUE,1,09:00,09:50\nWED,1,09:00,09:50\n",
        folder="inst",
    )
    write(
        "subjects.csv",
        "code,name,department,kind,sessions_per_week,periods_per_session,min_days\n"
        "T4,Theory,CSE,theory,4,,\nL1,Lab,CSE,lab,1,,\nT2,Theory,CSE,Theory,2,3,0\n",
        folder="inst",
    )
    run = run_import("--dir", "inst")
    assert run.ok, run.stderr
    got = {s.code: (s.kind, s.periods_per_session, s.min_days) for s in am.Subject.objects.all()}
    assert got == {"T4": ("theory", 1, 3), "L1": ("lab", 2, 1), "T2": ("theory", 3, 0)}


def test_min_days_default_without_a_time_grid_is_five(write, run_import):
    factories.DepartmentFactory(code="CSE")
    path = write(
        "subjects.csv", "code,name,department,kind,sessions_per_week\nT6,Theory,CSE,theory,6\n"
    )
    assert run_import("subjects", path).ok
    assert am.Subject.objects.get().min_days == 5
