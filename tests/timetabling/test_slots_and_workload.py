from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_students_see_only_their_batchs_published_slots(student_client, published_slot):
    factories.TimetableSlotFactory(active=True)  # another batch
    draft = factories.TimetableSlotFactory(offering=published_slot.offering, active=False)
    rows = student_client.get("/api/timetable-slots/").json()["results"]
    assert [r["id"] for r in rows] == [published_slot.pk]
    assert draft.pk not in [r["id"] for r in rows]


def test_slot_filters(staff_client, published_slot):
    factories.TimetableSlotFactory(day=2)
    assert staff_client.get("/api/timetable-slots/?day=0").json()["count"] == 1
    url = f"/api/timetable-slots/?batch={published_slot.batch_id}&job={published_slot.job_id}"
    assert staff_client.get(url).json()["count"] == 1


def test_generation_jobs_are_for_admin_and_staff(student_client, faculty_client, staff_client):
    factories.GenerationJobFactory()
    assert student_client.get("/api/generation-jobs/").status_code == 403
    assert faculty_client.get("/api/generation-jobs/").status_code == 403
    assert staff_client.get("/api/generation-jobs/").json()["count"] == 1


def test_workload_counts_a_combined_class_once(staff_client):
    faculty = factories.FacultyFactory(max_hours_per_week=10)
    offering = factories.OfferingFactory(faculty=faculty)
    partner = factories.OfferingFactory(faculty=faculty, subject=offering.subject)
    factories.TimetableSlotFactory(offering=offering, length=2, active=True)
    factories.TimetableSlotFactory(offering=partner, length=2, active=True, primary=False)
    factories.TimetableSlotFactory(offering=offering, day=3, active=True)
    factories.TimetableSlotFactory(offering=offering, day=4, active=False)  # a draft
    rows = staff_client.get(f"/api/faculty/workload/?department={faculty.department.code}").json()[
        "results"
    ]
    assert rows == [
        {
            "employee_id": faculty.employee_id,
            "name": faculty.name,
            "department": faculty.department.code,
            "sessions": 2,
            "periods": 3,
            "max_hours_per_week": 10,
            "max_hours_per_day": 4,
        }
    ]
