from __future__ import annotations

from rest_framework import serializers

from sih28.bounds import INT64_MAX
from timetabling.models import FacultyLeave, SessionOverride


class FacultyLeaveSerializer(serializers.ModelSerializer):
    faculty_code = serializers.CharField(source="faculty.employee_id", read_only=True)

    class Meta:
        model = FacultyLeave
        fields = ["id", "faculty", "faculty_code", "start", "end", "reason", "created_at"]
        read_only_fields = ["id", "faculty_code", "created_at"]


class FacultyLeaveCreateSerializer(serializers.Serializer):
    faculty = serializers.IntegerField(min_value=1, max_value=INT64_MAX)
    start = serializers.DateField()
    end = serializers.DateField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class SessionSerializer(serializers.Serializer):
    slot_id = serializers.IntegerField()
    subject_code = serializers.CharField()
    batch_codes = serializers.CharField()
    faculty_id = serializers.IntegerField()
    room_id = serializers.IntegerField()
    day = serializers.IntegerField()
    period = serializers.IntegerField()
    length = serializers.IntegerField()


class CandidateSerializer(serializers.Serializer):
    faculty_id = serializers.IntegerField()
    employee_id = serializers.CharField()
    name = serializers.CharField()
    same_department = serializers.BooleanField()
    teaches_subject = serializers.BooleanField()
    teaches_department = serializers.BooleanField()
    substitutions_this_month = serializers.IntegerField()


class OneDayMoveSerializer(serializers.Serializer):
    period = serializers.IntegerField()
    room_id = serializers.IntegerField()
    room_code = serializers.CharField()
    substitute = CandidateSerializer()


class GapSerializer(serializers.Serializer):
    session = SessionSerializer()
    date = serializers.DateField()
    absent_faculty_id = serializers.IntegerField()
    covered_by = serializers.IntegerField(
        allow_null=True, help_text="The accepted override, if the session is covered."
    )
    candidates = CandidateSerializer(many=True, help_text="Substitutes, best first.")
    moves = OneDayMoveSerializer(
        many=True, help_text="One-day moves, proposed only when no substitute is free."
    )


class AcceptSerializer(serializers.Serializer):
    slot = serializers.IntegerField(min_value=1, max_value=INT64_MAX)
    date = serializers.DateField()
    substitute = serializers.IntegerField(min_value=1, max_value=INT64_MAX)
    period = serializers.IntegerField(
        min_value=1,
        max_value=100,
        required=False,
        allow_null=True,
        help_text="For a proposed move: the period of that day it moves to.",
    )


class SessionOverrideSerializer(serializers.ModelSerializer):
    class Meta:
        model = SessionOverride
        fields = ["id", "slot", "date", "substitute", "period", "room", "leave", "created_at"]
        read_only_fields = fields


class RangeSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class DateChangeSerializer(serializers.ModelSerializer):
    """One date of one weekly session, changed: what a batch, teacher or student sees."""

    subject = serializers.CharField(source="slot.offering.subject.code", read_only=True)
    batch_code = serializers.CharField(source="slot.batch.code", read_only=True)
    day = serializers.IntegerField(source="slot.day", read_only=True)
    weekly_period = serializers.IntegerField(source="slot.period", read_only=True)
    faculty_code = serializers.CharField(source="slot.faculty.employee_id", read_only=True)
    substitute_code = serializers.CharField(
        source="substitute.employee_id", read_only=True, allow_null=True
    )
    room_code = serializers.CharField(source="room.code", read_only=True, allow_null=True)

    class Meta:
        model = SessionOverride
        fields = [
            "id",
            "slot",
            "date",
            "subject",
            "batch_code",
            "day",
            "weekly_period",
            "faculty_code",
            "substitute",
            "substitute_code",
            "period",
            "room",
            "room_code",
        ]
        read_only_fields = fields
