"""Every list endpoint answers page 1 with the same number of queries for 1 and 50 rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

pytestmark = pytest.mark.django_db


def _attendance(n: int) -> None:
    slot = factories.TimetableSlotFactory()
    for _ in range(n):
        factories.AttendanceFactory(slot=slot, student=factories.StudentFactory(batch=slot.batch))


def _timeslots(n: int) -> None:
    from academics.models import TimeSlot

    start = TimeSlot.objects.count()
    for i in range(start, start + n):
        factories.TimeSlotFactory(
            day=i // 8,
            period=i % 8 + 1,
            start_time=dt.time(8 + i % 8),
            end_time=dt.time(8 + i % 8, 50),
        )


SEEDERS = {
    "/api/departments/": lambda n: factories.DepartmentFactory.create_batch(n),
    "/api/rooms/": lambda n: factories.RoomFactory.create_batch(n),
    "/api/timeslots/": _timeslots,
    "/api/faculty/": lambda n: factories.FacultyFactory.create_batch(n),
    "/api/faculty-unavailability/": lambda n: [
        factories.FacultyUnavailabilityFactory() for _ in range(n)
    ],
    "/api/subjects/": lambda n: factories.SubjectFactory.create_batch(n),
    "/api/batches/": lambda n: factories.BatchFactory.create_batch(n),
    "/api/students/": lambda n: factories.StudentFactory.create_batch(n),
    "/api/offerings/": lambda n: factories.OfferingFactory.create_batch(n),
    "/api/shifts/": lambda n: factories.ShiftFactory.create_batch(n),
    "/api/room-unavailability/": lambda n: factories.RoomUnavailabilityFactory.create_batch(n),
    "/api/faculty-preferences/": lambda n: factories.FacultyPreferenceFactory.create_batch(n),
    "/api/fixed-sessions/": lambda n: factories.FixedSessionFactory.create_batch(
        n, room=factories.RoomFactory()
    ),
    "/api/baskets/": lambda n: [
        factories.BasketFactory(batches=factories.BatchFactory.create_batch(2)) for _ in range(n)
    ],
    "/api/basket-options/": lambda n: factories.BasketOptionFactory.create_batch(n),
    "/api/enrollments/": lambda n: factories.EnrollmentFactory.create_batch(n),
    "/api/generation-jobs/": lambda n: factories.GenerationJobFactory.create_batch(
        n, department=factories.DepartmentFactory()
    ),
    "/api/timetable-slots/": lambda n: factories.TimetableSlotFactory.create_batch(n),
    "/api/attendance/": _attendance,
    "/api/faculty/workload/": lambda n: factories.TimetableSlotFactory.create_batch(n),
}


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", sorted(SEEDERS))
def test_list_query_count_does_not_grow_with_rows(url, admin_client, django_assert_max_num_queries):
    SEEDERS[url](1)
    one = _count_queries(admin_client, url)
    SEEDERS[url](49)
    with django_assert_max_num_queries(one):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 50
