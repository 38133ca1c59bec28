"""--dir: dependency order, one transaction, and the bundled sample institution."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError
from django.db.models import Q

from academics import models as am
from imports import writers
from imports.services import ImportValidationError, institution_import
from sih28.errors import ConflictError
from tests.imports.conftest import db_counts

pytestmark = pytest.mark.django_db

SAMPLE = Path(settings.BASE_DIR) / "imports" / "sample"


def test_an_error_in_offerings_leaves_no_departments(write, run_import):
    for name in (
        "departments",
        "rooms",
        "timeslots",
        "shifts",
        "faculty",
        "subjects",
        "batches",
        "students",
    ):
        write(f"{name}.csv", (SAMPLE / f"{name}.csv").read_text(), folder="inst")
    write("offerings.csv", "batch,subject,faculty\nCSE-3A,CS201,F999\n", folder="inst")
    before = db_counts()
    run = run_import("--dir", "inst")
    assert run.problems == [
        'inst/offerings.csv:2: faculty: no faculty member "F999" in the database or in this import',
    ]
    assert db_counts() == before


def test_a_failure_while_saving_rolls_back_every_kind(monkeypatch):
    real_insert = writers.Inserter.insert

    def insert(self, rows):
        if self.head.startswith(f'INSERT INTO "{am.Offering._meta.db_table}"'):
            raise IntegrityError("simulated")
        return real_insert(self, rows)

    monkeypatch.setattr(writers.Inserter, "insert", insert)
    before = db_counts()
    files = {p.stem: p for p in SAMPLE.glob("*.csv")}
    with pytest.raises(ConflictError, match="nothing was written"):
        institution_import(files=files)
    assert db_counts() == before


def test_unknown_files_in_the_dir_are_named_and_ignored(write, run_import):
    write("departments.csv", "code,name\nCSE,CS\n", folder="d")
    write("notes.csv", "x\n", folder="d")
    run = run_import("--dir", "d")
    assert run.ok
    assert "ignored d/notes.csv: not a known kind" in run.stderr


def test_sample_institution_imports_with_expected_counts(run_import):
    run = run_import("--dir", str(SAMPLE))
    assert run.ok, run.stderr
    assert db_counts() == {
        "Department": 3,
        "Room": 10,
        "TimeSlot": 35,
        "Faculty": 17,
        "FacultyUnavailability": 6,
        "Subject": 27,
        "Batch": 9,
        "Student": 210,
        "Offering": 46 + 3 * 2,  # and one per option of the basket and batch of it
        "RoomUnavailability": 2,
        "Shift": 1,
        "FacultyPreference": 4,
        "Basket": 1,
        "BasketOption": 3,
        "Enrollment": 60,
        "FixedSession": 1,
    }
    assert am.Offering.objects.filter(basket_option=None).exclude(group="").count() == 2
    # a section's students are its own and its subgroups'
    for batch in am.Batch.objects.all():
        members = am.Student.objects.filter(Q(batch=batch) | Q(batch__parent=batch)).count()
        assert members == batch.size, batch
    lab_groups = am.Batch.objects.filter(parent__code="CSE-3A")
    assert sorted(lab_groups.values_list("code", flat=True)) == ["CSE-3A-L1", "CSE-3A-L2"]
    assert not am.Offering.objects.filter(batch__code="CSE-3A", subject__kind="lab").exists()
    assert am.Offering.objects.filter(batch__in=lab_groups, subject__kind="lab").count() == 4
    # every student of the basket's batches chose one option, and every option has students
    basket = am.Basket.objects.get()
    assert (
        am.Enrollment.objects.count()
        == am.Student.objects.filter(batch__in=basket.batches.all()).count()
    )
    assert all(option.enrollments.exists() for option in basket.options.all())
    assert am.Subject.objects.get(code="CS281").room_features == "computers"
    assert am.Batch.objects.get(code="ECE-5A").shift.period_set() == frozenset(range(1, 6))
    assert am.Room.objects.filter(features__contains="computers", kind="lab").count() == 2


def test_sample_institution_is_comfortably_feasible():
    institution_import(files={p.stem: p for p in SAMPLE.glob("*.csv")})
    periods = am.TimeSlot.objects.count()
    rooms = list(am.Room.objects.all())

    # every batch is busy at most 70% of the week: its classes, its parent's, and each
    # basket once (its options meet in parallel)
    def own_load(batch: am.Batch) -> int:
        classes = sum(
            o.subject.sessions_per_week * o.subject.periods_per_session
            for o in batch.offerings.filter(basket_option=None).select_related("subject")
        )
        baskets = batch.baskets.all()
        return classes + sum(b.sessions_per_week * b.periods_per_session for b in baskets)

    for batch in am.Batch.objects.all():
        load = own_load(batch) + (own_load(batch.parent) if batch.parent else 0)
        assert load <= 0.7 * periods, (batch.code, load)
    # classes: a combined group counts once, with the sum of its batches' sizes
    classes: dict[tuple, list] = defaultdict(list)
    for o in am.Offering.objects.select_related("subject", "batch", "faculty"):
        classes[(o.group or f"#{o.pk}", o.subject_id, o.faculty_id)].append(o)
    faculty_load: dict[int, int] = defaultdict(int)
    lab_periods = 0
    for offerings in classes.values():
        subject, faculty = offerings[0].subject, offerings[0].faculty
        periods_needed = subject.sessions_per_week * subject.periods_per_session
        faculty_load[faculty.pk] += periods_needed
        size = sum(o.batch.size for o in offerings)
        fitting = [
            r
            for r in rooms
            if r.kind == ("lab" if subject.kind == "lab" else "lecture") and r.capacity >= size
        ]
        assert fitting, (subject.code, size)
        if subject.kind == "lab":
            lab_periods += periods_needed
    for faculty in am.Faculty.objects.all():
        assert faculty_load[faculty.pk] <= 0.7 * faculty.max_hours_per_week, faculty
    labs = sum(1 for r in rooms if r.kind == "lab")
    assert lab_periods <= 0.5 * labs * periods


def test_service_raises_with_the_problem_lines(tmp_path):
    path = tmp_path / "departments.csv"
    path.write_text("code,name\nCSE,\n")
    with pytest.raises(ImportValidationError) as info:
        institution_import(files={"departments": path})
    assert info.value.errors == [f"{path}:2: name: required, but empty"]
    assert info.value.extra == {"errors": info.value.errors}
