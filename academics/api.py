"""Master-data API: thin DRF viewsets over the selectors.

Admin and staff write; every authenticated role reads (students see only themselves in
``/api/students/``).
"""

from __future__ import annotations

from rest_framework import viewsets
from rest_framework.permissions import SAFE_METHODS

from academics import filters, selectors, serializers, services
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


class ShiftViewSet(ValuesListMixin, viewsets.ModelViewSet):
    queryset = selectors.shift_list()
    serializer_class = serializers.ShiftSerializer
    filterset_class = filters.ShiftFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code"]


class RoomUnavailabilityViewSet(ValuesListMixin, viewsets.ModelViewSet):
    queryset = selectors.room_unavailability_list()
    serializer_class = serializers.RoomUnavailabilitySerializer
    filterset_class = filters.RoomUnavailabilityFilter
    ordering_fields = ["day", "period"]


class FacultyPreferenceViewSet(ValuesListMixin, viewsets.ModelViewSet):
    queryset = selectors.faculty_preference_list()
    serializer_class = serializers.FacultyPreferenceSerializer
    filterset_class = filters.FacultyPreferenceFilter
    ordering_fields = ["day", "period"]


class FixedSessionViewSet(ValuesListMixin, viewsets.ModelViewSet):
    queryset = selectors.fixed_session_list()
    serializer_class = serializers.FixedSessionSerializer
    filterset_class = filters.FixedSessionFilter
    ordering_fields = ["day", "period"]


class BasketViewSet(viewsets.ModelViewSet):
    """Elective baskets; a change of code or batches re-syncs every option's offerings."""

    queryset = selectors.basket_list()
    serializer_class = serializers.BasketSerializer
    filterset_class = filters.BasketFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.basket_create(batches=data.pop("batches"), **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.basket_update(
            basket=serializer.instance, batches=data.pop("batches", None), **data
        )


class BasketOptionViewSet(ValuesListMixin, viewsets.ModelViewSet):
    """Options of baskets; writing one creates or updates its offerings, one per batch of
    its basket (``academics.services.basket_option_offerings_sync``)."""

    queryset = selectors.basket_option_list()
    serializer_class = serializers.BasketOptionSerializer
    filterset_class = filters.BasketOptionFilter
    ordering_fields = ["id"]

    def perform_create(self, serializer):
        serializer.instance = services.basket_option_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.basket_option_update(
            option=serializer.instance, **serializer.validated_data
        )


class EnrollmentViewSet(ValuesListMixin, viewsets.ModelViewSet):
    """Students' choices; admin and staff write, faculty read all, a student their own."""

    serializer_class = serializers.EnrollmentSerializer
    filterset_class = filters.EnrollmentFilter
    ordering_fields = ["id"]

    def get_queryset(self):
        return selectors.enrollment_list(user=self.request.user)

    @staticmethod
    def _fields(data: dict) -> dict:
        out = {k: data[k] for k in ("student", "basket") if k in data}
        if "option" in data:
            out["subject"] = data["option"]["subject"]
        return out

    def perform_create(self, serializer):
        serializer.instance = services.enrollment_create(**self._fields(serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = services.enrollment_update(
            enrollment=serializer.instance, **self._fields(serializer.validated_data)
        )
