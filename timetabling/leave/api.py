"""Leave and substitution API: record leave, see proposals, accept cover, list gaps."""

from __future__ import annotations

import django_filters as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sih28.filtering import FilterSet, IdFilter
from sih28.permissions import ALL_ROLES, MANAGERS
from timetabling import leave, selectors
from timetabling.leave import serializers
from timetabling.models import FacultyLeave, SessionOverride


class FacultyLeaveFilter(FilterSet):
    faculty = IdFilter(field_name="faculty_id")
    date = filters.DateFilter(method="_on", label="Leaves that include this date.")

    class Meta:
        model = FacultyLeave
        fields = ["faculty"]

    def _on(self, queryset, name, value):
        return queryset.filter(start__lte=value, end__gte=value)


class DateChangeFilter(FilterSet):
    slot = IdFilter(field_name="slot_id")
    batch = IdFilter(field_name="slot__batch_id")
    substitute = IdFilter(field_name="substitute_id")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = SessionOverride
        fields = ["slot", "batch", "substitute"]


class DateChangeViewSet(viewsets.ReadOnlyModelViewSet):
    """Accepted cover of published sessions (dates changed by leave), as every role reads
    the timetable: a student their own batch's."""

    serializer_class = serializers.DateChangeSerializer
    filterset_class = DateChangeFilter
    ordering_fields = ["date"]
    read_roles = ALL_ROLES

    def get_queryset(self):
        return selectors.override_list(user=self.request.user).order_by("date", "slot_id")


class FacultyLeaveViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Teachers' leave (admin and staff): ``POST`` records one; ``proposals`` lists the
    sessions it touches with ranked cover; ``accept`` takes one proposal for a session."""

    queryset = FacultyLeave.objects.select_related("faculty").order_by("-start", "id")
    serializer_class = serializers.FacultyLeaveSerializer
    filterset_class = FacultyLeaveFilter
    ordering_fields = ["start", "id"]
    read_roles = MANAGERS
    write_roles = MANAGERS

    @extend_schema(
        request=serializers.FacultyLeaveCreateSerializer,
        responses={201: serializers.FacultyLeaveSerializer},
    )
    def create(self, request: Request) -> Response:
        data = serializers.FacultyLeaveCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        created = leave.faculty_leave_create(
            user=request.user,
            faculty_id=v["faculty"],
            start=v["start"],
            end=v["end"],
            reason=v["reason"],
        )
        return Response(
            serializers.FacultyLeaveSerializer(self.get_queryset().get(pk=created.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses=serializers.GapSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def proposals(self, request: Request, pk: str | None = None) -> Response:
        """Every session the leave touches, each with ranked substitutes (or one-day moves
        when nobody is free); covered sessions name their override."""
        gaps = leave.leave_gaps(leave=self.get_object())
        return Response(serializers.GapSerializer(gaps, many=True).data)

    @extend_schema(
        request=serializers.AcceptSerializer,
        responses={201: serializers.SessionOverrideSerializer(many=True)},
    )
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        data = serializers.AcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        overrides = leave.session_override_accept(
            user=request.user,
            leave_id=self.get_object().pk,
            slot_id=v["slot"],
            date=v["date"],
            substitute_id=v["substitute"],
            period=v.get("period"),
        )
        return Response(
            serializers.SessionOverrideSerializer(overrides, many=True).data,
            status=status.HTTP_201_CREATED,
        )


class LeaveGapsView(APIView):
    """Sessions between ``start`` and ``end`` whose teacher is on leave with no accepted
    cover (admin and staff)."""

    read_roles = MANAGERS

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True),
        ],
        responses=serializers.GapSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        data = serializers.RangeSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        gaps = leave.uncovered_gaps(
            start=data.validated_data["start"], end=data.validated_data["end"]
        )
        return Response(serializers.GapSerializer(gaps, many=True).data)
