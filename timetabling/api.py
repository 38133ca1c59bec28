"""Timetabling API: generation jobs, timetable slots, attendance, faculty workload."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from sih28.permissions import ALL_ROLES, FACULTY, MANAGERS
from timetabling import filters, selectors, serializers, services


class GenerationJobViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = selectors.job_list()
    serializer_class = serializers.GenerationJobSerializer
    filterset_class = filters.GenerationJobFilter
    ordering_fields = ["created_at", "id"]
    read_roles = MANAGERS


class TimetableSlotViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.TimetableSlotSerializer
    filterset_class = filters.TimetableSlotFilter
    ordering_fields = ["day", "period"]

    def get_queryset(self):  # noqa: ANN201
        return selectors.slot_list(user=self.request.user)


class AttendanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """List and read attendance; ``POST`` marks a whole class for a slot and date."""

    serializer_class = serializers.AttendanceSerializer
    filterset_class = filters.AttendanceFilter
    ordering_fields = ["date"]
    read_roles = ALL_ROLES
    write_roles = MANAGERS | {FACULTY}

    def get_queryset(self):  # noqa: ANN201
        return selectors.attendance_list(user=self.request.user)

    @extend_schema(request=serializers.AttendanceMarkSerializer,
                   responses=serializers.AttendanceSerializer(many=True))
    def create(self, request: Request) -> Response:
        data = serializers.AttendanceMarkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        records = services.attendance_mark(
            user=request.user,
            slot_id=data.validated_data["slot"],
            date=data.validated_data["date"],
            entries=[(e["student"], e["status"]) for e in data.validated_data["entries"]],
        )
        return Response(serializers.AttendanceSerializer(records, many=True).data,
                        status=status.HTTP_201_CREATED)


class FacultyWorkloadView(generics.ListAPIView):
    """Per faculty member: sessions and periods taught in the published timetable."""

    serializer_class = serializers.FacultyWorkloadSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.WorkloadFilter
    read_roles = MANAGERS | {FACULTY}

    def get_queryset(self):  # noqa: ANN201
        return selectors.faculty_workload()
