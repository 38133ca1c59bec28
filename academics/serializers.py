from __future__ import annotations

from rest_framework import serializers

from academics import selectors
from academics.models import (
    Batch,
    Department,
    Faculty,
    FacultyUnavailability,
    Offering,
    Role,
    Room,
    Student,
    Subject,
    TimeSlot,
)


def _code(model, field: str = "code") -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field=field, queryset=model.objects.all())


def _login(role: str) -> serializers.PrimaryKeyRelatedField:
    """The account a record is linked to: only one of that role, never staff or an admin."""
    return serializers.PrimaryKeyRelatedField(
        queryset=selectors.linkable_users(role), allow_null=True, required=False
    )


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name"]


class RoomSerializer(serializers.ModelSerializer):
    class Meta:
        model = Room
        fields = ["id", "code", "capacity", "kind", "building"]
        extra_kwargs = {"capacity": {"min_value": 1}}


class TimeSlotSerializer(serializers.ModelSerializer):
    class Meta:
        model = TimeSlot
        fields = ["id", "day", "period", "start_time", "end_time"]
        extra_kwargs = {"period": {"min_value": 1}}

    def validate(self, attrs: dict) -> dict:
        start = attrs.get("start_time", getattr(self.instance, "start_time", None))
        end = attrs.get("end_time", getattr(self.instance, "end_time", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"end_time": "must be after start_time"})
        return attrs


class FacultySerializer(serializers.ModelSerializer):
    department = _code(Department)
    user = _login(Role.FACULTY)

    class Meta:
        model = Faculty
        fields = [
            "id",
            "employee_id",
            "name",
            "email",
            "department",
            "max_hours_per_week",
            "max_hours_per_day",
            "user",
        ]
        extra_kwargs = {
            "max_hours_per_week": {"min_value": 1},
            "max_hours_per_day": {"min_value": 1},
        }


class FacultyReadSerializer(FacultySerializer):
    """What reads show: the e-mail address only where ``selectors.faculty_list`` shows it."""

    email = serializers.CharField(source="shown_email", read_only=True)


class FacultyUnavailabilitySerializer(serializers.ModelSerializer):
    faculty = _code(Faculty, "employee_id")

    class Meta:
        model = FacultyUnavailability
        fields = ["id", "faculty", "day", "period"]
        extra_kwargs = {"period": {"min_value": 1}}


class SubjectSerializer(serializers.ModelSerializer):
    department = _code(Department)

    class Meta:
        model = Subject
        fields = [
            "id",
            "code",
            "name",
            "department",
            "kind",
            "sessions_per_week",
            "periods_per_session",
            "min_days",
        ]
        extra_kwargs = {
            "sessions_per_week": {"min_value": 1},
            "periods_per_session": {"min_value": 1},
        }

    def validate(self, attrs: dict) -> dict:
        sessions = attrs.get("sessions_per_week", getattr(self.instance, "sessions_per_week", 0))
        min_days = attrs.get("min_days", getattr(self.instance, "min_days", 0))
        if min_days > sessions:
            raise serializers.ValidationError({"min_days": "cannot exceed sessions_per_week"})
        return attrs


class BatchSerializer(serializers.ModelSerializer):
    department = _code(Department)

    class Meta:
        model = Batch
        fields = ["id", "code", "name", "department", "semester", "size"]
        extra_kwargs = {"size": {"min_value": 1}, "semester": {"min_value": 1}}


class StudentSerializer(serializers.ModelSerializer):
    batch = _code(Batch)
    user = _login(Role.STUDENT)

    class Meta:
        model = Student
        fields = ["id", "roll_number", "name", "email", "batch", "user"]


class OfferingSerializer(serializers.ModelSerializer):
    batch = _code(Batch)
    subject = _code(Subject)
    faculty = _code(Faculty, "employee_id")

    class Meta:
        model = Offering
        fields = ["id", "batch", "subject", "faculty", "group"]
