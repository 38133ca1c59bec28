from __future__ import annotations

from rest_framework import serializers

from timetabling.models import Attendance, AttendanceStatus, GenerationJob, TimetableSlot


class GenerationJobSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    batch = serializers.SlugRelatedField(slug_field="code", read_only=True)
    created_by = serializers.PrimaryKeyRelatedField(read_only=True)
    scope = serializers.CharField(source="scope_label", read_only=True)
    published = serializers.SerializerMethodField()

    class Meta:
        model = GenerationJob
        fields = ["id", "status", "scope", "semester", "department", "batch", "time_limit_s",
                  "params", "progress", "metrics", "error", "created_by", "created_at",
                  "started_at", "finished_at", "heartbeat_at", "cancel_requested",
                  "published_at", "published", "term_start", "term_end"]
        read_only_fields = fields

    def get_published(self, job: GenerationJob) -> bool:
        return job.published_at is not None


class GenerationJobCreateSerializer(serializers.Serializer):
    semester = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    department = serializers.CharField(max_length=32, required=False, allow_null=True,
                                       allow_blank=True)
    batch = serializers.CharField(max_length=32, required=False, allow_null=True,
                                  allow_blank=True)
    time_limit_s = serializers.IntegerField(min_value=1, required=False, allow_null=True)
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
        fields = ["id", "job", "offering", "subject", "batch", "batch_code", "faculty",
                  "faculty_code", "room", "room_code", "day", "day_name", "period", "length",
                  "active", "primary"]
        read_only_fields = fields


class AttendanceSerializer(serializers.ModelSerializer):
    # Annotations of selectors.attendance_list, which every attendance read goes through.
    roll_number = serializers.CharField(read_only=True)
    subject = serializers.CharField(source="subject_code", read_only=True)

    class Meta:
        model = Attendance
        fields = ["id", "student", "roll_number", "slot", "subject", "date", "status",
                  "marked_by", "marked_at"]
        read_only_fields = fields


class AttendanceEntrySerializer(serializers.Serializer):
    student = serializers.IntegerField(min_value=1)
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)


class AttendanceMarkSerializer(serializers.Serializer):
    """One request marks a whole class: a slot, a date and one entry per student."""

    slot = serializers.IntegerField(min_value=1)
    date = serializers.DateField()
    entries = AttendanceEntrySerializer(many=True, allow_empty=False)


class FacultyWorkloadSerializer(serializers.Serializer):
    employee_id = serializers.CharField()
    name = serializers.CharField()
    department = serializers.CharField(source="department.code")
    sessions = serializers.IntegerField()
    periods = serializers.IntegerField()
    max_hours_per_week = serializers.IntegerField()
    max_hours_per_day = serializers.IntegerField()
