from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from academics import limits
from academics.models import Day
from sih28.bounds import INT64_MAX
from timetabling.generation import JobMetrics
from timetabling.generation.variants import MAX_VARIANTS
from timetabling.models import (
    Attendance,
    AttendanceStatus,
    GenerationJob,
    ReviewEvent,
    TimetableSlot,
)


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


class RemedySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[
            "room",
            "teacher_day",
            "teacher_week",
            "teacher_in_a_row",
            "move_pin",
            "shift",
            "combined",
        ]
    )
    text = serializers.CharField(help_text="The change, in the institution's words.")


class GenerationJobSerializer(serializers.ModelSerializer):
    # Null unless the job's scope names a department or a batch, and (creator) for a job
    # started by a command rather than a user.
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    batch = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    created_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    scope = serializers.CharField(source="scope_label", read_only=True)
    published = serializers.SerializerMethodField()
    metrics = serializers.SerializerMethodField()
    remedies = RemedySerializer(
        many=True,
        read_only=True,
        help_text=(
            "An infeasible job's remedies (at most three), each verified by the pre-checks "
            "and a short solve with the change applied; empty otherwise."
        ),
    )

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
            "remedies",
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
            "review",
            "variant_group",
            "variant_label",
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
    variants = serializers.IntegerField(
        min_value=1,
        max_value=MAX_VARIANTS,
        required=False,
        default=1,
        help_text="How many variants to make (sibling jobs sharing a `variant_group`).",
    )


class ReviewCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", trim_whitespace=True
    )


class ReviewEventSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    username = serializers.CharField(source="user.username", read_only=True, allow_null=True)
    # the job's ``review`` states (one enum in the schema, named by the job's field)
    from_state = serializers.CharField(read_only=True, help_text="A review state of the job.")
    to_state = serializers.CharField(read_only=True, help_text="A review state of the job.")

    class Meta:
        model = ReviewEvent
        fields = ["id", "move", "from_state", "to_state", "user", "username", "at", "comment"]
        read_only_fields = fields


class VariantSummarySerializer(serializers.Serializer):
    job_id = serializers.IntegerField()
    label = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    review = serializers.CharField()
    hard_violations = serializers.IntegerField(allow_null=True)
    soft_penalty = serializers.IntegerField(
        allow_null=True, help_text="Under the variant's own weighting."
    )
    soft_penalty_balanced = serializers.IntegerField(
        allow_null=True, help_text="The same penalties priced at today's weights (comparable)."
    )
    penalties = serializers.DictField(
        child=serializers.IntegerField(), help_text="Soft penalty cost by name."
    )
    idle_periods_per_batch = serializers.FloatField(
        allow_null=True, help_text="Idle periods in a week, mean over the batches."
    )
    preference_misses = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Periods outside teachers' preferred or inside their avoided periods.",
    )
    room_utilisation = serializers.FloatField(allow_null=True)
    load_std_dev = serializers.FloatField(
        allow_null=True,
        help_text="Standard deviation of a teacher's periods over the days, mean of teachers.",
    )
    sessions = serializers.IntegerField()


class PairDifferenceSerializer(serializers.Serializer):
    first = serializers.IntegerField()
    second = serializers.IntegerField()
    differ = serializers.IntegerField(
        help_text="Sessions of the first not at the same day and period in the second."
    )
    share = serializers.FloatField()


class VariantComparisonSerializer(serializers.Serializer):
    group = serializers.UUIDField()
    variants = VariantSummarySerializer(many=True)
    pairs = PairDifferenceSerializer(many=True)


class TimetableSlotSerializer(serializers.ModelSerializer):
    subject = serializers.CharField(source="offering.subject.code", read_only=True)
    batch_code = serializers.CharField(source="batch.code", read_only=True)
    faculty_code = serializers.CharField(source="faculty.employee_id", read_only=True)
    room_code = serializers.CharField(source="room.code", read_only=True)
    day_name = serializers.CharField(source="get_day_display", read_only=True)
    basket = serializers.CharField(
        source="offering.basket_option.basket.code",
        read_only=True,
        allow_null=True,
        help_text="The elective basket's code when the session is one of its options.",
    )

    class Meta:
        model = TimetableSlot
        fields = [
            "id",
            "job",
            "offering",
            "subject",
            "basket",
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
            "pinned",
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
    basket = serializers.CharField(
        allow_blank=True,
        help_text="The elective basket's code for an option's session, else empty.",
    )
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


# --- Editing by hand: moves, where a session can go, what changed ---------------------------


class MoveRequestSerializer(serializers.Serializer):
    """Move one session to a day, period and room, or swap it with another session."""

    slot = serializers.IntegerField(min_value=1, max_value=INT64_MAX)
    day = serializers.ChoiceField(choices=Day.labels, required=False)
    period = serializers.IntegerField(
        min_value=1, max_value=limits.MAX_PERIODS_PER_DAY, required=False
    )
    room = serializers.CharField(
        max_length=32, required=False, help_text="A room code; left out, the room stays."
    )
    swap_with = serializers.IntegerField(
        min_value=1,
        max_value=INT64_MAX,
        required=False,
        help_text="A slot of the same job: the two sessions trade day, period and room.",
    )
    dry_run = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "swap_with" in attrs:
            if {"day", "period", "room"} & attrs.keys():
                raise serializers.ValidationError("Give either swap_with or day/period/room.")
        elif "day" not in attrs or "period" not in attrs:
            raise serializers.ValidationError("A move needs day and period (or swap_with).")
        return attrs


class ViolationSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="The evaluator's name of the hard rule.")
    message = serializers.CharField()


class SoftDeltaSerializer(serializers.Serializer):
    name = serializers.CharField()
    delta = serializers.IntegerField(help_text="Change in occurrences.")
    weight = serializers.IntegerField()
    cost = serializers.IntegerField(help_text="delta x weight.")


class PlaceSerializer(serializers.Serializer):
    day = serializers.ChoiceField(choices=Day.labels)
    period = serializers.IntegerField(min_value=1)
    room = serializers.CharField()


class MovedSessionSerializer(serializers.Serializer):
    slots = serializers.ListField(
        child=serializers.IntegerField(), help_text="Its slots, one per batch."
    )
    # "class" and "from" are Python keywords: declared through the class namespace
    locals()["class"] = serializers.CharField(help_text="Subject and batches.")
    locals()["from"] = PlaceSerializer()
    to = PlaceSerializer()


class MoveResultSerializer(serializers.Serializer):
    job = serializers.IntegerField(
        source="job_id", help_text="The job edited: a new draft when the job was published."
    )
    new_job = serializers.BooleanField()
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField()
    violations = ViolationSerializer(many=True, source="check.violations")
    soft_delta = SoftDeltaSerializer(many=True, source="check.soft_delta")
    soft_total_delta = serializers.IntegerField(source="check.soft_total_delta")
    notes = serializers.ListField(child=serializers.CharField(), source="check.notes")
    moved = MovedSessionSerializer(many=True)


class MoveOptionSerializer(PlaceSerializer):
    soft_total_delta = serializers.IntegerField()
    soft_delta = serializers.DictField(
        child=serializers.IntegerField(), help_text="Change of each named soft penalty."
    )


class SlotOptionsSerializer(serializers.Serializer):
    slot = serializers.IntegerField(source="slot_id")
    job = serializers.IntegerField(source="job_id")
    current = PlaceSerializer()
    options = MoveOptionSerializer(many=True)


class ChangeSerializer(serializers.Serializer):
    batch = serializers.CharField()
    subject = serializers.CharField()
    locals()["from"] = PlaceSerializer()
    to = PlaceSerializer()


class ChangesSerializer(serializers.Serializer):
    job = serializers.IntegerField()
    sessions = serializers.IntegerField(help_text="Slots of the job (one per batch).")
    time_moves = ChangeSerializer(many=True, help_text="Moved to another day or period.")
    room_moves = ChangeSerializer(many=True, help_text="Same day and period, another room.")
    time_share = serializers.FloatField()
    room_share = serializers.FloatField()
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
