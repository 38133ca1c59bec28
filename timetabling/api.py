"""Timetabling API: generation jobs, timetable slots, attendance, faculty workload."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from academics.models import Student
from sih28.errors import ApplicationError, NotFoundError
from sih28.permissions import ALL_ROLES, FACULTY, MANAGERS, role_of
from sih28.schema import ERROR_RESPONSE
from sih28.viewsets import ValuesListMixin
from timetabling import editing, exports, filters, generation, selectors, serializers, services
from timetabling.models import GenerationJob, JobStatus, TimetableSlot


class _ExportNegotiation(DefaultContentNegotiation):
    """``?format=`` names the export format, not a DRF renderer: errors are always JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


_REVIEWER_ACTIONS = frozenset({"approve", "reject", "publish", "review_log"})


class GenerationJobViewSet(viewsets.ReadOnlyModelViewSet):
    """Generation jobs: ``POST`` starts one (202), ``cancel`` and ``publish`` act on one."""

    queryset = selectors.job_list()
    serializer_class = serializers.GenerationJobSerializer
    filterset_class = filters.GenerationJobFilter
    ordering_fields = ["created_at", "id"]
    read_roles = MANAGERS
    write_roles = MANAGERS

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if self.action in ("list", "retrieve"):
            # No job shows RUNNING for ever after its run died, with or without beat.
            generation.generation_jobs_mark_stale()

    def _job_response(self, job_id: int, code: int = status.HTTP_200_OK) -> Response:
        job = selectors.job_list().get(pk=job_id)
        return Response(serializers.GenerationJobSerializer(job).data, status=code)

    @extend_schema(
        request=serializers.GenerationJobCreateSerializer,
        responses={
            202: serializers.GenerationJobSerializer,
            503: OpenApiResponse(
                ERROR_RESPONSE, description="The task queue is unreachable; the job is FAILED."
            ),
        },
    )
    def create(self, request: Request) -> Response:
        data = serializers.GenerationJobCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = generation.generation_job_create(user=request.user, **data.validated_data)
        return self._job_response(job.pk, status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={
            200: serializers.GenerationJobSerializer,
            202: serializers.GenerationJobSerializer,
        },
        description=(
            "200: the job is CANCELLED now (it was pending, or its run had died). 202: its "
            "run was asked to stop and will end it CANCELLED within about a second; the job "
            "is still RUNNING with `cancel_requested`. 409: the job had already finished."
        ),
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        job = generation.generation_job_cancel(job_id=self.get_object().pk, user=request.user)
        accepted = job.status == JobStatus.RUNNING
        return self._job_response(
            job.pk, status.HTTP_202_ACCEPTED if accepted else status.HTTP_200_OK
        )

    def get_permissions(self):
        # Approvers need not be admin or staff: the review services check who may move.
        if self.action in _REVIEWER_ACTIONS:
            return [IsAuthenticated()]
        return super().get_permissions()

    def _review(self, request: Request, move) -> Response:
        data = serializers.ReviewCommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job_id = self._job_id()
        job = move(job_id=job_id, user=request.user, comment=data.validated_data["comment"])
        return self._job_response(job.pk)

    def _job_id(self) -> int:
        """The job named in the URL (404 if none); approvers are not limited to the list's
        read roles."""
        return int(get_object_or_404(GenerationJob.objects.only("pk"), pk=self.kwargs["pk"]).pk)

    @extend_schema(
        request=serializers.ReviewCommentSerializer,
        responses=serializers.GenerationJobSerializer,
        description="draft or rejected -> submitted (admin, staff).",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._review(request, generation.timetable_submit)

    @extend_schema(
        request=serializers.ReviewCommentSerializer,
        responses=serializers.GenerationJobSerializer,
        description="submitted -> approved, by an approver for the scope who did not submit it.",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._review(request, generation.timetable_approve)

    @extend_schema(
        request=serializers.ReviewCommentSerializer,
        responses=serializers.GenerationJobSerializer,
        description="submitted -> rejected, with a comment, by an approver for the scope.",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._review(request, generation.timetable_reject)

    @extend_schema(
        request=serializers.ReviewCommentSerializer,
        responses=serializers.GenerationJobSerializer,
        description=(
            "approved -> published: the job's slots become the published timetable of its "
            "batches; a published timetable left with no active slot becomes superseded."
        ),
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        return self._review(request, generation.timetable_publish)

    @extend_schema(
        request=serializers.ReviewCommentSerializer,
        responses=serializers.GenerationJobSerializer,
        description="A completed variant becomes the draft; its siblings are set aside.",
    )
    @action(detail=True, methods=["post"])
    def choose(self, request: Request, pk: str | None = None) -> Response:
        return self._review(request, generation.variant_choose)

    @extend_schema(responses=serializers.ReviewEventSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="review-log", pagination_class=None,
            filter_backends=[])  # fmt: skip
    def review_log(self, request: Request, pk: str | None = None) -> Response:
        """The timetable's review trail, oldest first (admin, staff and approvers)."""
        if role_of(request.user) not in MANAGERS and not getattr(
            request.user, "is_approver", False
        ):
            raise generation.ReviewForbidden("Only admin, staff and approvers read review logs.")
        events = generation.review_log(job_id=self._job_id())
        return Response(serializers.ReviewEventSerializer(events, many=True).data)

    @extend_schema(responses=serializers.VariantComparisonSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def variants(self, request: Request, pk: str | None = None) -> Response:
        """The variants of this job's request side by side."""
        job = self.get_object()
        if job.variant_group is None:
            raise ApplicationError(f"Job {job.pk} is not one of several variants.")
        comparison = generation.variant_comparison(group=job.variant_group)
        return Response(serializers.VariantComparisonSerializer(comparison).data)

    @extend_schema(
        request=serializers.MoveRequestSerializer,
        responses={
            200: serializers.MoveResultSerializer,
            201: OpenApiResponse(
                serializers.MoveResultSerializer,
                description="The job was published: the move was applied to a new draft.",
            ),
            409: OpenApiResponse(
                ERROR_RESPONSE,
                description="The move breaks hard rules (listed in `violations`), or the job "
                "has not completed.",
            ),
        },
        description=(
            "Check (`dry_run`) or apply a move of one session to a day, period and room, or "
            "a swap with another session. The answer names every hard rule it would break "
            "and the change of each named soft penalty. Applied, the session's slots (every "
            "batch of a combined class, every option of a basket) move and are pinned; on a "
            "published job a new draft is made first and the move is applied there."
        ),
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def moves(self, request: Request, pk: str | None = None) -> Response:
        data = serializers.MoveRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        outcome = editing.timetable_move(
            user=request.user,
            job_id=self.get_object().pk,
            slot_id=v["slot"],
            day=v.get("day"),
            period=v.get("period"),
            room=v.get("room"),
            swap_with=v.get("swap_with"),
            dry_run=v["dry_run"],
        )
        code = status.HTTP_201_CREATED if outcome.new_job else status.HTTP_200_OK
        return Response(serializers.MoveResultSerializer(outcome).data, status=code)

    @extend_schema(responses=serializers.ChangesSerializer)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def changes(self, request: Request, pk: str | None = None) -> Response:
        """The job's sessions that moved against the published timetable: in time (another
        day or period) and in room only, with their share of all the job's slots."""
        job, changes = editing.job_changes(job_id=self.get_object().pk)
        return Response(serializers.ChangesSerializer(editing.changes_words(job, changes)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=list(exports.FORMATS), default="csv")
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "text/calendar"): OpenApiTypes.STR,
            (200, "application/json"): serializers.ExportRowSerializer(many=True),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        content_negotiation_class=_ExportNegotiation,
        filter_backends=[],
        pagination_class=None,
    )
    def export(self, request: Request, pk: str | None = None) -> HttpResponse | Response:
        """The job's timetable as CSV (one row per slot), iCalendar (weekly events) or JSON."""
        fmt = request.query_params.get("format", "csv")
        if fmt not in exports.FORMATS:
            raise ApplicationError(
                f"Unknown format {fmt[:20]!r}; use one of: {', '.join(exports.FORMATS)}."
            )
        job = self.get_object()
        result = exports.render(
            fmt,
            selectors.export_slots(job_id=job.pk),
            selectors.time_grid(),
            name=f"Timetable (job {job.pk})",
            timezone_name=settings.TIME_ZONE,
        )
        return exports.http_response(result, f"timetable-job-{job.pk}")


class TimetableSlotViewSet(ValuesListMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.TimetableSlotSerializer
    filterset_class = filters.TimetableSlotFilter
    ordering_fields = ["day", "period"]

    @property
    def read_roles(self) -> set[str]:
        """Everyone reads slots; where a session could move is for admin and staff."""
        return set(MANAGERS) if self.action == "move_options" else set(ALL_ROLES)

    def get_queryset(self):
        if getattr(self, "action", None) == "mine":
            return self._mine()
        return selectors.slot_list(user=self.request.user)

    def _pin(self, request: Request, pk: str | None, pinned: bool) -> Response:
        slots = editing.timetable_slot_pin(
            user=request.user, slot_id=self.get_object().pk, pinned=pinned
        )
        return Response(serializers.TimetableSlotSerializer(slots, many=True).data)

    @extend_schema(
        request=None,
        responses={
            200: serializers.TimetableSlotSerializer(many=True),
            409: OpenApiResponse(
                ERROR_RESPONSE, description="The job is published or not completed."
            ),
        },
        description="Pin the slot's session (its slot of every batch) on a draft: "
        "regenerating the scope with stay-close keeps it exactly there.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def pin(self, request: Request, pk: str | None = None) -> Response:
        return self._pin(request, pk, True)

    @extend_schema(
        request=None,
        responses={
            200: serializers.TimetableSlotSerializer(many=True),
            409: OpenApiResponse(
                ERROR_RESPONSE, description="The job is published or not completed."
            ),
        },
        description="Unpin the slot's session on a draft.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def unpin(self, request: Request, pk: str | None = None) -> Response:
        return self._pin(request, pk, False)

    def _mine(self):
        """The slots of ``?student=ROLL`` (admin, staff, faculty; a student only themself),
        or else of the signed-in student; none for a user who is no student."""
        roll = self.request.query_params.get("student")
        own = selectors.student_of(self.request.user)
        if roll is None or (own is not None and roll == own.roll_number):
            if own is None:
                return TimetableSlot.objects.none()
            student = own
        elif role_of(self.request.user) in MANAGERS | {FACULTY}:
            student = Student.objects.filter(roll_number=roll[:64]).first()
            if student is None:
                raise NotFoundError(f"There is no student {roll[:32]!r}.")
        else:
            raise PermissionDenied("Students can read their own timetable only.")
        return selectors.student_slots(student=student, user=self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": 1000},
                description="At most this many options (1-1000).",
            )
        ],
        responses=serializers.SlotOptionsSerializer,
        description="Every day, period and room the slot's session could move to without "
        "breaking a hard rule, smallest change of the soft penalties first (admin and staff).",
    )
    # not named ``options``: that is the handler of HTTP OPTIONS on every view
    @action(
        detail=True,
        methods=["get"],
        url_path="options",
        url_name="options",
        filter_backends=[],
        pagination_class=None,
    )
    def move_options(self, request: Request, pk: str | None = None) -> Response:
        raw = request.query_params.get("limit")
        limit = None
        if raw is not None:
            if not (
                raw.isascii() and raw.isdigit() and 1 <= int(raw[:5]) <= 1000 and len(raw) <= 4
            ):
                raise ApplicationError("limit must be a whole number from 1 to 1000.")
            limit = int(raw)
        found = editing.slot_move_options(
            user=request.user, slot_id=self.get_object().pk, limit=limit
        )
        return Response(serializers.SlotOptionsSerializer(found).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "student",
                OpenApiTypes.STR,
                description="A roll number (admin, staff and faculty); a student may leave "
                "it out or name themself. Without it, a user who is not a student gets an "
                "empty list.",
            )
        ],
        responses={
            200: serializers.TimetableSlotSerializer(many=True),
            404: OpenApiResponse(ERROR_RESPONSE, description="No such student."),
        },
    )
    @action(detail=False, methods=["get"])
    def mine(self, request: Request) -> Response:
        """Exactly the sessions one student attends in the published timetable: their
        batch's and its parents' classes, their own subgroup's, and only the basket options
        they chose."""
        # Wrong filters are named before the student is looked for, as on every list.
        self.filter_queryset(TimetableSlot.objects.none())
        return self.list(request)


class AttendanceViewSet(
    ValuesListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """List and read attendance; ``POST`` marks a whole class for a slot and date."""

    serializer_class = serializers.AttendanceSerializer
    filterset_class = filters.AttendanceFilter
    ordering_fields = ["date"]
    read_roles = ALL_ROLES
    write_roles = MANAGERS | {FACULTY}

    def get_queryset(self):
        return selectors.attendance_list(user=self.request.user)

    @property
    def pagination_class(self):
        """Lists are paginated; marking answers with every record it wrote, as a plain list
        (DRF's per-action ``pagination_class``, which the schema follows too)."""
        return None if self.action == "create" else api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(
        filters=False,
        request=serializers.AttendanceMarkSerializer,
        responses={
            201: serializers.AttendanceSerializer(many=True),
            404: OpenApiResponse(ERROR_RESPONSE, description="No such timetable slot."),
        },
    )
    def create(self, request: Request) -> Response:
        data = serializers.AttendanceMarkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        records = services.attendance_mark(
            user=request.user,
            slot_id=data.validated_data["slot"],
            date=data.validated_data["date"],
            entries=[(e["student"], e["status"]) for e in data.validated_data["entries"]],
        )
        return Response(
            serializers.AttendanceSerializer(records, many=True).data,
            status=status.HTTP_201_CREATED,
        )


class FacultyWorkloadView(generics.ListAPIView):
    """Per faculty member: sessions and periods taught in the published timetable."""

    serializer_class = serializers.FacultyWorkloadSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = filters.WorkloadFilter
    read_roles = MANAGERS | {FACULTY}

    def get_queryset(self):
        return selectors.faculty_workload()
