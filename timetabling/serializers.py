from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from academics import limits
from academics.models import Day
from sih28.bounds import INT64_MAX
from timetabling.generation import JobMetrics
from timetabling.models import Attendance, AttendanceStatus, GenerationJob, TimetableSlot


class PenaltyCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How often the penalty occurs.")
    weight = serializers.IntegerField(help_text="What one occurrence costs.")


class TeacherPenaltyCountSerializer(serializers.Serializer):
    employee_id = serializers.CharField(help_text="The teacher's employee id.")
    gap = serializers.IntegerField(help_text="Idle periods beyond their daily allowance.")
    avoid = serializers.IntegerField(help_text="Periods taught in a period they avoid.")
    prefer = serializers.IntegerField(help_text="Periods taught outside their preferred ones.")


class JobMetricsSerializer(serializers.Serializer):
    """A completed job's :class:`~timetabling.generation.JobMetrics` (one field each)."""

    status = serializers.CharField(help_text="The solver's status: OPTIMAL or FEASIBLE.")
    hard_violations = serializers.IntegerField(
        help_text="Hard rules broken, counted by the independent evaluator (0)."
    )
    hard_by_kind = serializers.DictField(child=serializers.IntegerField())
    penalties = serializers.DictField(
        child=PenaltyCountSerializer(), help_text="Soft penalties by name."
    )
    soft_penalty = serializers.IntegerField(help_text="Sum of count x weight.")
    objective = serializers.FloatField(allow_null=True)
    bound = serializers.FloatField(allow_null=True)
    variables = serializers.IntegerField()
    constraints = serializers.IntegerField()
    solve_time_s = serializers.FloatField()
    time_to_first_feasible_s = serializers.FloatField(allow_null=True)
    classes = serializers.IntegerField()
    sessions = serializers.IntegerField()
    slots = serializers.IntegerField()
    fixed_sessions = serializers.IntegerField(
        help_text="Published sessions outside the scope that stayed fixed."
    )
    stay_close = serializers.BooleanField()
    moved = serializers.IntegerField(
        allow_null=True,
        help_text=(
            "Published sessions of the scope not kept at their day, period and room "
            "(null: none were published)."
        ),
    )
    previous_sessions = serializers.IntegerField()
    build_time_s = serializers.FloatField()
    save_time_s = serializers.FloatField()
    moved_in_time = serializers.IntegerField(
        allow_null=True, help_text="Of those moved: to another day or period."
    )
    moved_room_only = serializers.IntegerField(
        allow_null=True, help_text="Of those moved: kept at their time, in another room."
    )
    teachers = serializers.ListField(
        child=TeacherPenaltyCountSerializer(),
        help_text="Teachers with unmet preferences, most first (at most 50).",
    )


class GenerationJobSerializer(serializers.ModelSerializer):
    # Null unless the job's scope names a department or a batch, and (creator) for a job
    # started by a command rather than a user.
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    batch = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    created_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    scope = serializers.CharField(source="scope_label", read_only=True)
    published = serializers.SerializerMethodField()
    metrics = serializers.SerializerMethodField()

    class Meta:
        model = GenerationJob
        fields = [
            "id",
            "status",
            "scope",
            "semester",
            "department",
            "batch",
            "time_limit_s",
            "params",
            "progress",
            "metrics",
            "error",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "cancel_requested",
            "published_at",
            "published",
            "term_start",
            "term_end",
        ]
        read_only_fields = fields

    def get_published(self, job: GenerationJob) -> bool:
        return job.published_at is not None

    @extend_schema_field(JobMetricsSerializer(allow_null=True))
    def get_metrics(self, job: GenerationJob) -> dict[str, Any] | None:
        """What the run measured; null until the job has completed."""
        metrics = JobMetrics.of(job)
        return None if metrics is None else JobMetricsSerializer(metrics).data


class GenerationJobCreateSerializer(serializers.Serializer):
    semester = serializers.IntegerField(
        min_value=1, max_value=limits.MAX_SEMESTER, required=False, allow_null=True
    )
    department = serializers.CharField(
        max_length=32, required=False, allow_null=True, allow_blank=True
    )
    batch = serializers.CharField(max_length=32, required=False, allow_null=True, allow_blank=True)
    time_limit_s = serializers.IntegerField(
        min_value=1,
        max_value=settings.GENERATION_MAX_TIME_LIMIT_S,
        required=False,
        allow_null=True,
        help_text="Seconds the solver may take (default GENERATION_TIME_LIMIT_S).",
    )
    stay_close = serializers.BooleanField(required=False, default=False)
    term_start = serializers.DateField(required=False, allow_null=True)
    term_end = serializers.DateField(required=False, allow_null=True)


class TimetableSlotSerializer(serializers.ModelSerializer):
    subject = serializers.CharField(source="offering.subject.code", read_only=True)
    batch_code = serializers.CharField(source="batch.code", read_only=True)
    faculty_code = serializers.CharField(source="faculty.employee_id", read_only=True)
    room_code = serializers.CharField(source="room.code", read_only=True)
    day_name = serializers.CharField(source="get_day_display", read_only=True)

    class Meta:
        model = TimetableSlot
        fields = [
            "id",
            "job",
            "offering",
            "subject",
            "batch",
            "batch_code",
            "faculty",
            "faculty_code",
            "room",
            "room_code",
            "day",
            "day_name",
            "period",
            "length",
            "active",
            "primary",
        ]
        read_only_fields = fields


class AttendanceSerializer(serializers.ModelSerializer):
    # Annotations of selectors.attendance_list, which every attendance read goes through.
    roll_number = serializers.CharField(read_only=True)
    subject = serializers.CharField(source="subject_code", read_only=True)

    class Meta:
        model = Attendance
        fields = [
            "id",
            "student",
            "roll_number",
            "slot",
            "subject",
            "date",
            "status",
            "marked_by",
            "marked_at",
        ]
        read_only_fields = fields


class AttendanceEntrySerializer(serializers.Serializer):
    student = serializers.IntegerField(min_value=1, max_value=INT64_MAX)
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)


class AttendanceMarkSerializer(serializers.Serializer):
    """One request marks a whole class: a slot, a date and one entry per student."""

    slot = serializers.IntegerField(min_value=1, max_value=INT64_MAX)
    date = serializers.DateField()
    entries = AttendanceEntrySerializer(
        many=True, allow_empty=False, max_length=limits.MAX_BATCH_SIZE
    )


class ExportRowSerializer(serializers.Serializer):
    """One session of ``export?format=json`` (``timetabling.exports.json_rows``)."""

    batch = serializers.CharField()
    subject = serializers.CharField()
    faculty = serializers.CharField(help_text="The teacher's employee_id.")
    room = serializers.CharField()
    day = serializers.ChoiceField(choices=Day.labels)
    period = serializers.IntegerField(min_value=1, help_text="The first period.")
    length = serializers.IntegerField(min_value=1, help_text="Periods the session takes.")
    start = serializers.CharField(allow_null=True, help_text="HH:MM; null if the grid lacks it.")
    end = serializers.CharField(allow_null=True, help_text="HH:MM; null if the grid lacks it.")


class FacultyWorkloadSerializer(serializers.Serializer):
    employee_id = serializers.CharField()
    name = serializers.CharField()
    department = serializers.CharField(source="department.code")
    sessions = serializers.IntegerField()
    periods = serializers.IntegerField()
    max_hours_per_week = serializers.IntegerField()
    max_hours_per_day = serializers.IntegerField()
