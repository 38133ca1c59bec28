from __future__ import annotations

import django_filters as filters

from academics.models import Day
from sih28.filtering import BooleanFilter, FilterSet, IdFilter
from timetabling.models import (
    Attendance,
    AttendanceStatus,
    GenerationJob,
    JobStatus,
    ReviewState,
    TimetableSlot,
)


class GenerationJobFilter(FilterSet):
    status = filters.ChoiceFilter(choices=JobStatus.choices)
    department = filters.CharFilter(field_name="department__code")
    batch = filters.CharFilter(field_name="batch__code")
    review = filters.ChoiceFilter(choices=ReviewState.choices)
    variant_group = filters.UUIDFilter()

    class Meta:
        model = GenerationJob
        fields = ["status", "semester", "department", "batch", "review", "variant_group"]


class TimetableSlotFilter(FilterSet):
    job = IdFilter(field_name="job_id")
    batch = IdFilter(field_name="batch_id")
    faculty = IdFilter(field_name="faculty_id")
    room = IdFilter(field_name="room_id")
    day = filters.ChoiceFilter(choices=Day.choices)
    active = BooleanFilter()

    class Meta:
        model = TimetableSlot
        fields = ["job", "batch", "faculty", "room", "day", "active"]


class AttendanceFilter(FilterSet):
    student = IdFilter(field_name="student_id")
    slot = IdFilter(field_name="slot_id")
    status = filters.ChoiceFilter(choices=AttendanceStatus.choices)
    date = filters.DateFilter()
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Attendance
        fields = ["student", "slot", "status", "date"]


class WorkloadFilter(FilterSet):
    department = filters.CharFilter(field_name="department__code")
