"""FilterSets for the master-data API. Related objects are filtered by their codes."""

from __future__ import annotations

import django_filters as filters

from academics import limits
from academics.models import (
    Basket,
    BasketOption,
    Batch,
    Day,
    Department,
    Enrollment,
    Faculty,
    FacultyPreference,
    FacultyUnavailability,
    FixedSession,
    Offering,
    Preference,
    Room,
    RoomUnavailability,
    Shift,
    Student,
    Subject,
    TimeSlot,
)
from sih28.filtering import FilterSet, IntegerFilter


class DepartmentFilter(FilterSet):
    class Meta:
        model = Department
        fields = ["code"]


class RoomFilter(FilterSet):
    min_capacity = IntegerFilter(
        field_name="capacity", lookup_expr="gte", min_value=0, max_value=limits.MAX_ROOM_CAPACITY
    )

    class Meta:
        model = Room
        fields = ["kind", "building"]


class TimeSlotFilter(FilterSet):
    day = filters.ChoiceFilter(choices=Day.choices)

    class Meta:
        model = TimeSlot
        fields = ["day", "period"]


class FacultyFilter(FilterSet):
    department = filters.CharFilter(field_name="department__code")

    class Meta:
        model = Faculty
        fields = ["department", "employee_id"]


class UnavailabilityFilter(FilterSet):
    faculty = filters.CharFilter(field_name="faculty__employee_id")
    day = filters.ChoiceFilter(choices=Day.choices)

    class Meta:
        model = FacultyUnavailability
        fields = ["faculty", "day"]


class SubjectFilter(FilterSet):
    department = filters.CharFilter(field_name="department__code")

    class Meta:
        model = Subject
        fields = ["department", "kind"]


class BatchFilter(FilterSet):
    department = filters.CharFilter(field_name="department__code")
    parent = filters.CharFilter(field_name="parent__code")
    shift = filters.CharFilter(field_name="shift__code")

    class Meta:
        model = Batch
        fields = ["department", "semester", "parent", "shift"]


class StudentFilter(FilterSet):
    batch = filters.CharFilter(field_name="batch__code")
    department = filters.CharFilter(field_name="batch__department__code")

    class Meta:
        model = Student
        fields = ["batch", "department", "roll_number"]


class OfferingFilter(FilterSet):
    batch = filters.CharFilter(field_name="batch__code")
    subject = filters.CharFilter(field_name="subject__code")
    faculty = filters.CharFilter(field_name="faculty__employee_id")
    semester = IntegerFilter(
        field_name="batch__semester", min_value=1, max_value=limits.MAX_SEMESTER
    )

    class Meta:
        model = Offering
        fields = ["batch", "subject", "faculty", "group", "semester"]


class ShiftFilter(FilterSet):
    class Meta:
        model = Shift
        fields = ["code"]


class RoomUnavailabilityFilter(FilterSet):
    room = filters.CharFilter(field_name="room__code")
    day = filters.ChoiceFilter(choices=Day.choices)

    class Meta:
        model = RoomUnavailability
        fields = ["room", "day"]


class FacultyPreferenceFilter(FilterSet):
    faculty = filters.CharFilter(field_name="faculty__employee_id")
    day = filters.ChoiceFilter(choices=Day.choices)
    preference = filters.ChoiceFilter(choices=Preference.choices)

    class Meta:
        model = FacultyPreference
        fields = ["faculty", "day", "preference"]


class FixedSessionFilter(FilterSet):
    batch = filters.CharFilter(field_name="batch__code")
    subject = filters.CharFilter(field_name="subject__code")
    day = filters.ChoiceFilter(choices=Day.choices)

    class Meta:
        model = FixedSession
        fields = ["batch", "subject", "day"]


class BasketFilter(FilterSet):
    batch = filters.CharFilter(method="filter_batch", label="A batch code: its baskets.")

    class Meta:
        model = Basket
        fields = ["code", "batch"]

    def filter_batch(self, queryset, name, value):
        return queryset.filter(pk__in=Basket.objects.filter(batches__code=value).values("pk"))


class BasketOptionFilter(FilterSet):
    basket = filters.CharFilter(field_name="basket__code")
    subject = filters.CharFilter(field_name="subject__code")
    faculty = filters.CharFilter(field_name="faculty__employee_id")

    class Meta:
        model = BasketOption
        fields = ["basket", "subject", "faculty"]


class EnrollmentFilter(FilterSet):
    student = filters.CharFilter(field_name="student__roll_number")
    basket = filters.CharFilter(field_name="basket__code")
    subject = filters.CharFilter(field_name="option__subject__code")
    batch = filters.CharFilter(field_name="student__batch__code")

    class Meta:
        model = Enrollment
        fields = ["student", "basket", "subject", "batch"]
