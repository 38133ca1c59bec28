from __future__ import annotations

import django_filters as filters

from academics.models import Day
from timetabling.models import Attendance, AttendanceStatus, GenerationJob, JobStatus, TimetableSlot


class GenerationJobFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=JobStatus.choices)
    department = filters.CharFilter(field_name="department__code")
    batch = filters.CharFilter(field_name="batch__code")

    class Meta:
        model = GenerationJob
        fields = ["status", "semester", "department", "batch"]


class TimetableSlotFilter(filters.FilterSet):
    job = filters.NumberFilter(field_name="job_id")
    batch = filters.NumberFilter(field_name="batch_id")
    faculty = filters.NumberFilter(field_name="faculty_id")
    room = filters.NumberFilter(field_name="room_id")
    day = filters.ChoiceFilter(choices=Day.choices)
    active = filters.BooleanFilter()

    class Meta:
        model = TimetableSlot
        fields = ["job", "batch", "faculty", "room", "day", "active"]


class AttendanceFilter(filters.FilterSet):
    student = filters.NumberFilter(field_name="student_id")
    slot = filters.NumberFilter(field_name="slot_id")
    status = filters.ChoiceFilter(choices=AttendanceStatus.choices)
    date = filters.DateFilter()
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Attendance
        fields = ["student", "slot", "status", "date"]


class WorkloadFilter(filters.FilterSet):
    department = filters.CharFilter(field_name="department__code")
