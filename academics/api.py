"""Master-data API: thin DRF viewsets over the selectors.

Admin and staff write; every authenticated role reads (students see only themselves in
``/api/students/``).
"""

from __future__ import annotations

from rest_framework import viewsets
from rest_framework.permissions import SAFE_METHODS

from academics import filters, selectors, serializers
from sih28.viewsets import ValuesListMixin


class DepartmentViewSet(ValuesListMixin, viewsets.ModelViewSet):
    queryset = selectors.department_list()
    serializer_class = serializers.DepartmentSerializer
    filterset_class = filters.DepartmentFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]


class RoomViewSet(ValuesListMixin, viewsets.ModelViewSet):
    queryset = selectors.room_list()
    serializer_class = serializers.RoomSerializer
    filterset_class = filters.RoomFilter
    search_fields = ["code", "building"]
    ordering_fields = ["code", "capacity"]


class TimeSlotViewSet(ValuesListMixin, viewsets.ModelViewSet):
    queryset = selectors.timeslot_list()
    serializer_class = serializers.TimeSlotSerializer
    filterset_class = filters.TimeSlotFilter
    ordering_fields = ["day", "period"]


class FacultyViewSet(ValuesListMixin, viewsets.ModelViewSet):
    """E-mail addresses only to admin and staff and to each faculty member for themself."""

    serializer_class = serializers.FacultySerializer
    filterset_class = filters.FacultyFilter
    search_fields = ["employee_id", "name"]
    ordering_fields = ["employee_id", "name"]

    def get_queryset(self):
        return selectors.faculty_list(user=self.request.user)

    def get_serializer_class(self):
        if self.request is not None and self.request.method in SAFE_METHODS:
            return serializers.FacultyReadSerializer
        return serializers.FacultySerializer


class FacultyUnavailabilityViewSet(ValuesListMixin, viewsets.ModelViewSet):
    queryset = selectors.unavailability_list()
    serializer_class = serializers.FacultyUnavailabilitySerializer
    filterset_class = filters.UnavailabilityFilter
    ordering_fields = ["day", "period"]


class SubjectViewSet(ValuesListMixin, viewsets.ModelViewSet):
    queryset = selectors.subject_list()
    serializer_class = serializers.SubjectSerializer
    filterset_class = filters.SubjectFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]


class BatchViewSet(ValuesListMixin, viewsets.ModelViewSet):
    queryset = selectors.batch_list()
    serializer_class = serializers.BatchSerializer
    filterset_class = filters.BatchFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "semester"]


class StudentViewSet(ValuesListMixin, viewsets.ModelViewSet):
    serializer_class = serializers.StudentSerializer
    filterset_class = filters.StudentFilter
    search_fields = ["roll_number", "name"]
    ordering_fields = ["roll_number", "name"]

    def get_queryset(self):
        return selectors.student_list(user=self.request.user)


class OfferingViewSet(ValuesListMixin, viewsets.ModelViewSet):
    queryset = selectors.offering_list()
    serializer_class = serializers.OfferingSerializer
    filterset_class = filters.OfferingFilter
    ordering_fields = ["id"]
