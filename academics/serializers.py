from __future__ import annotations

from rest_framework import serializers

from academics import limits, selectors
from academics.baskets import BASKET_GROUP_PREFIX
from academics.models import (
    Basket,
    BasketOption,
    Batch,
    Department,
    Enrollment,
    Faculty,
    FacultyPreference,
    FacultyUnavailability,
    FixedSession,
    Offering,
    Role,
    Room,
    RoomUnavailability,
    Shift,
    Student,
    Subject,
    TimeSlot,
)


def _code(model, field: str = "code") -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field=field, queryset=model.objects.all())


def _code_or_null(model, field: str = "code") -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field=field, queryset=model.objects.all(), allow_null=True, required=False
    )


class TagsField(serializers.CharField):
    """``;``-separated tags, normalised (trimmed, lower-case, sorted, unique) before the
    model's ``tags_validator`` checks them: ``" Computers ;projector"`` is stored as
    ``computers;projector``."""

    def to_internal_value(self, data):
        tags = limits.tags_normalise(super().to_internal_value(data))
        # checked here, not as a field validator: a pattern with blanks allowed would be
        # published as a oneOf that an empty string matches twice
        limits.tags_validator(tags)
        return tags


def _login(role: str) -> serializers.PrimaryKeyRelatedField:
    """The account a record is linked to: only one of that role, never staff or an admin."""
    return serializers.PrimaryKeyRelatedField(
        queryset=selectors.linkable_users(role), allow_null=True, required=False
    )


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name"]


def _tags(help_text: str) -> TagsField:
    return TagsField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text=help_text,
    )


class RoomSerializer(serializers.ModelSerializer):
    features = _tags("Tags the room has, ';'-separated (computers;projector).")

    class Meta:
        model = Room
        fields = ["id", "code", "capacity", "kind", "building", "features"]
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
            "max_consecutive",
            "max_gaps_per_day",
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
    room_features = _tags("Tags its room must have, ';'-separated (computers).")

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
            "room_features",
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
    parent = _code_or_null(Batch)
    shift = _code_or_null(Shift)

    class Meta:
        model = Batch
        fields = ["id", "code", "name", "department", "semester", "size", "parent", "shift"]
        extra_kwargs = {"size": {"min_value": 1}, "semester": {"min_value": 1}}

    def validate(self, attrs: dict) -> dict:
        parent = attrs.get("parent", getattr(self.instance, "parent", None))
        shift = attrs.get("shift", getattr(self.instance, "shift", None))
        if parent is not None and self.instance is not None:
            lineage = selectors.batch_ancestor_ids(batch_id=parent.pk)
            if self.instance.pk in lineage:
                raise serializers.ValidationError(
                    {"parent": f"{parent.code} is {self.instance.code} or one of its subgroups."}
                )
        if parent is not None and shift is not None and shift.pk != parent.shift_id:
            raise serializers.ValidationError(
                {
                    "shift": f"A subgroup takes its parent's shift; leave it empty or use "
                    f"{parent.shift.code if parent.shift_id else 'none'}."
                }
            )
        return attrs


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

    def validate(self, attrs: dict) -> dict:
        if self.instance is not None and self.instance.basket_option_id is not None:
            raise serializers.ValidationError(
                {
                    "detail": "This offering belongs to an elective basket's option; change "
                    "the option through /api/basket-options/."
                }
            )
        return attrs

    def validate_group(self, value: str) -> str:
        if value.startswith(BASKET_GROUP_PREFIX):
            raise serializers.ValidationError(
                f"Groups starting with {BASKET_GROUP_PREFIX!r} name elective basket options; "
                "write those through /api/basket-options/."
            )
        return value


# --- placement data --------------------------------------------------------------------------


class ShiftSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shift
        fields = ["id", "code", "name", "periods"]

    def validate_periods(self, value: str) -> str:
        """Ranges like ``1-5`` or ``1-3;6-8``, stored as written (spaces trimmed)."""
        try:
            limits.periods_parse(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return ";".join(p.strip() for p in value.split(";") if p.strip())


class RoomUnavailabilitySerializer(serializers.ModelSerializer):
    room = _code(Room)

    class Meta:
        model = RoomUnavailability
        fields = ["id", "room", "day", "period"]
        extra_kwargs = {"period": {"min_value": 1}}


class FacultyPreferenceSerializer(serializers.ModelSerializer):
    faculty = _code(Faculty, "employee_id")

    class Meta:
        model = FacultyPreference
        fields = ["id", "faculty", "day", "period", "preference"]
        extra_kwargs = {"period": {"min_value": 1}}


class FixedSessionSerializer(serializers.ModelSerializer):
    batch = _code(Batch)
    subject = _code(Subject)
    room = _code_or_null(Room)

    class Meta:
        model = FixedSession
        fields = ["id", "batch", "subject", "day", "period", "room"]
        extra_kwargs = {"period": {"min_value": 1}}


# --- elective baskets --------------------------------------------------------------------------


class BasketSerializer(serializers.ModelSerializer):
    batches = serializers.SlugRelatedField(
        slug_field="code", queryset=Batch.objects.all(), many=True, allow_empty=False
    )

    class Meta:
        model = Basket
        fields = [
            "id",
            "code",
            "name",
            "batches",
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


class BasketOptionSerializer(serializers.ModelSerializer):
    basket = _code(Basket)
    subject = _code(Subject)
    faculty = _code(Faculty, "employee_id")

    class Meta:
        model = BasketOption
        fields = ["id", "basket", "subject", "faculty"]


class EnrollmentSerializer(serializers.ModelSerializer):
    """A student's choice in a basket, written as ``{"student": ROLL, "basket": CODE,
    "subject": CODE}``; the subject names the option."""

    student = _code(Student, "roll_number")
    basket = _code(Basket)
    subject = serializers.SlugRelatedField(
        slug_field="code", queryset=Subject.objects.all(), source="option.subject"
    )

    class Meta:
        model = Enrollment
        fields = ["id", "student", "basket", "subject"]
        validators: list = []  # one choice per student and basket: the service says so by name
