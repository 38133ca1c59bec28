"""The kinds and columns of colleges as they are: imported, written, updated."""

from __future__ import annotations

import pytest

from academics import models as am
from tests.imports.colleges import FILES, write_all
from tests.imports.test_update import summary

pytestmark = pytest.mark.django_db


def test_a_college_imports_every_new_kind_and_column(write, run_import):
    run = run_import("--dir", write_all(write))
    assert run.ok, run.stderr
    counts = summary(run.stdout)
    assert counts["baskets"] == (1, 1, 0, 0)
    assert counts["fixed_sessions"] == (2, 2, 0, 0)

    assert am.Room.objects.get(code="LAB-1").features == "computers"
    assert am.Subject.objects.get(code="CS1L").room_features == "computers"
    f1 = am.Faculty.objects.get(employee_id="F1")
    assert (f1.max_consecutive, f1.max_gaps_per_day) == (3, 1)
    f2 = am.Faculty.objects.get(employee_id="F2")
    assert (f2.max_consecutive, f2.max_gaps_per_day) == (None, None)
    assert am.Shift.objects.get(code="DAY").periods == "1-6"
    assert am.Shift.objects.get(code="DAY").period_set() == frozenset(range(1, 7))
    a1 = am.Batch.objects.get(code="A1")
    assert (a1.parent.code, a1.shift) == ("A", None)
    assert am.Batch.objects.get(code="A").shift.code == "DAY"
    assert am.Student.objects.get(roll_number="R3").batch.code == "A2"
    assert set(
        am.FacultyPreference.objects.values_list(
            "faculty__employee_id", "day", "period", "preference"
        )
    ) == {("F1", 0, 1, "avoid"), ("F2", 1, 2, "prefer")}
    assert list(am.RoomUnavailability.objects.values_list("room__code", "day", "period")) == [
        ("LH-2", 4, 4)
    ]
    basket = am.Basket.objects.get()
    assert sorted(basket.batches.values_list("code", flat=True)) == ["A", "B"]
    assert (basket.periods_per_session, basket.min_days) == (1, 2)
    # each option is a combined class of the basket's batches
    assert set(
        am.Offering.objects.filter(basket_option__isnull=False).values_list(
            "batch__code", "subject__code", "faculty__employee_id", "group"
        )
    ) == {
        ("A", "EL1", "F3", "basket:OE:EL1"),
        ("B", "EL1", "F3", "basket:OE:EL1"),
        ("A", "EL2", "F4", "basket:OE:EL2"),
        ("B", "EL2", "F4", "basket:OE:EL2"),
    }
    assert set(
        am.Enrollment.objects.values_list("student__roll_number", "option__subject__code")
    ) == {("R1", "EL1"), ("R2", "EL2"), ("R3", "EL1"), ("R4", "EL2")}
    assert set(
        am.FixedSession.objects.values_list(
            "batch__code", "subject__code", "day", "period", "room__code"
        )
    ) == {("A", "CS1", 0, 1, "LH-1"), ("B", "EL1", 1, 3, None)}


def test_a_second_import_with_update_changes_nothing(write, run_import):
    folder = write_all(write)
    assert run_import("--dir", folder).ok
    offerings = set(am.Offering.objects.values_list("id", "batch_id", "subject_id", "group"))
    run = run_import("--dir", folder, "--update")
    assert run.ok, run.stderr
    counts = summary(run.stdout)
    assert all(c[1] == c[2] == 0 and c[3] == c[0] for c in counts.values()), counts
    assert (
        set(am.Offering.objects.values_list("id", "batch_id", "subject_id", "group")) == offerings
    )


def test_update_moves_a_basket_option_and_its_offerings(write, run_import):
    assert run_import("--dir", write_all(write)).ok
    write(
        "baskets.csv",
        "code,name,batches,sessions_per_week\nOE,Open elective,A,3\n",
        folder="again",
    )
    write("basket_options.csv", "basket,subject,faculty\nOE,EL1,F2\n", folder="again")
    write("enrollments.csv", "roll_number,basket,subject\nR4,OE,EL1\n", folder="again")
    run = run_import("--dir", "again", "--update")
    # R4 is in batch B, which left the basket
    assert not run.ok
    assert run.problems == [
        "again/enrollments.csv:2: roll_number: student R4 is in batch B, which is not one of "
        "basket OE's batches (A) or their subgroups"
    ]
    write("enrollments.csv", "roll_number,basket,subject\nR1,OE,EL2\n", folder="again")
    run = run_import("--dir", "again", "--update")
    assert run.problems == [
        "again/baskets.csv:2: batches: student R4 of batch B chose an option of this basket, "
        "but B would no longer be one of its batches or their subgroups (delete that "
        "enrollment first)"
    ]
    am.Enrollment.objects.filter(student__roll_number="R4").delete()
    run = run_import("--dir", "again", "--update")
    assert run.ok, run.stderr
    basket = am.Basket.objects.get()
    assert list(basket.batches.values_list("code", flat=True)) == ["A"]
    assert basket.sessions_per_week == 3
    assert set(
        am.Offering.objects.filter(basket_option__isnull=False).values_list(
            "batch__code", "subject__code", "faculty__employee_id"
        )
    ) == {("A", "EL1", "F2"), ("A", "EL2", "F4")}
    assert am.Enrollment.objects.get(student__roll_number="R1").option.subject.code == "EL2"


def test_files_of_the_first_round_still_import(write, run_import):
    run = run_import(
        "--dir",
        write_all(
            write,
            rooms="code,capacity,kind\nLH-1,70,lecture\nLAB-1,35,lab\n",
            faculty="employee_id,name,email,department\nF1,A,,CSE\nF2,B,,CSE\n",
            subjects="code,name,department,kind,sessions_per_week\nCS1,P,CSE,theory,3\n"
            "CS1L,PL,CSE,lab,1\n",
            batches="code,name,department,semester,size\nA,A,CSE,3,60\nA1,A1,CSE,3,30\n"
            "A2,A2,CSE,3,30\nB,B,CSE,3,40\n",
            offerings="batch,subject,faculty\nA,CS1,F1\nB,CS1,F1\n",
            room_unavailability=None,
            shifts=None,
            faculty_preferences=None,
            baskets=None,
            basket_options=None,
            enrollments=None,
            fixed_sessions=None,
        ),
    )
    assert run.ok, run.stderr
    assert am.Batch.objects.filter(parent__isnull=True, shift__isnull=True).count() == 4
    assert set(am.Room.objects.values_list("features", flat=True)) == {""}


def test_dry_run_of_a_college_writes_nothing(write, run_import):
    run = run_import("--dir", write_all(write), "--dry-run")
    assert run.ok, run.stderr
    assert summary(run.stdout)["enrollments"] == (4, 4, 0, 0)
    assert am.Batch.objects.count() == am.Basket.objects.count() == am.Offering.objects.count() == 0


def test_one_file_at_a_time_in_order(write, run_import):
    for kind, text in FILES.items():
        run = run_import(kind, write(f"{kind}.csv", text, folder=kind))
        assert run.ok, (kind, run.stderr)
    assert am.Offering.objects.count() == 8
    assert am.Enrollment.objects.count() == 4
