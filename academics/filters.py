"""FilterSets for the master-data API. Related objects are filtered by their codes."""

from __future__ import annotations

import django_filters as filters

from academics.models import (
    Batch,
    Day,
    Department,
    Faculty,
    FacultyUnavailability,
    Offering,
    Room,
    Student,
    Subject,
    TimeSlot,
)


class DepartmentFilter(filters.FilterSet):
    class Meta:
        model = Department
        fields = ["code"]


class RoomFilter(filters.FilterSet):
    min_capacity = filters.NumberFilter(field_name="capacity", lookup_expr="gte")

    class Meta:
        model = Room
        fields = ["kind", "building"]


class TimeSlotFilter(filters.FilterSet):
    day = filters.ChoiceFilter(choices=Day.choices)

    class Meta:
        model = TimeSlot
        fields = ["day", "period"]


class FacultyFilter(filters.FilterSet):
    department = filters.CharFilter(field_name="department__code")

    class Meta:
        model = Faculty
        fields = ["department", "employee_id"]


class UnavailabilityFilter(filters.FilterSet):
    faculty = filters.CharFilter(field_name="faculty__employee_id")
    day = filters.ChoiceFilter(choices=Day.choices)

    class Meta:
        model = FacultyUnavailability
        fields = ["faculty", "day"]


class SubjectFilter(filters.FilterSet):
    department = filters.CharFilter(field_name="department__code")

    class Meta:
        model = Subject
        fields = ["department", "kind"]


class BatchFilter(filters.FilterSet):
    department = filters.CharFilter(field_name="department__code")

    class Meta:
        model = Batch
        fields = ["department", "semester"]


class StudentFilter(filters.FilterSet):
    batch = filters.CharFilter(field_name="batch__code")
    department = filters.CharFilter(field_name="batch__department__code")

    class Meta:
        model = Student
        fields = ["batch", "department", "roll_number"]


class OfferingFilter(filters.FilterSet):
    batch = filters.CharFilter(field_name="batch__code")
    subject = filters.CharFilter(field_name="subject__code")
    faculty = filters.CharFilter(field_name="faculty__employee_id")
    semester = filters.NumberFilter(field_name="batch__semester")

    class Meta:
        model = Offering
        fields = ["batch", "subject", "faculty", "group", "semester"]
