"""Master data of an institution: who teaches what to whom, where and when."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from knox.models import get_token_model

from academics import limits
from academics.limits import between, code_validator, tags_validator


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    STAFF = "staff", "Staff"
    FACULTY = "faculty", "Faculty"
    STUDENT = "student", "Student"


class Day(models.IntegerChoices):
    MON = 0, "MON"
    TUE = 1, "TUE"
    WED = 2, "WED"
    THU = 3, "THU"
    FRI = 4, "FRI"
    SAT = 5, "SAT"
    SUN = 6, "SUN"


class RoomKind(models.TextChoices):
    LECTURE = "lecture", "Lecture"
    LAB = "lab", "Lab"


class SubjectKind(models.TextChoices):
    THEORY = "theory", "Theory"
    LAB = "lab", "Lab"


class User(AbstractUser):
    role = models.CharField(
        max_length=16, choices=Role.choices, default=Role.STUDENT, db_index=True
    )
    # Approves timetables (a head of department, a dean): those whose scope is ``department``,
    # or every timetable when ``department`` is empty. Admins approve everything anyway.
    is_approver = models.BooleanField(default=False)
    department = models.ForeignKey(
        "academics.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approvers",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.username} ({self.role})"

    # A new password (``set_password`` or ``set_unusable_password``, then ``save``: the
    # admin, ``changepassword``, password forms) revokes every API token of the user, as it
    # ends their sessions.
    _password_replaced = False

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self._password_replaced = True

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._password_replaced = True

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        if self._password_replaced:
            self._password_replaced = False
            get_token_model().objects.filter(user=self).delete()


class Department(models.Model):
    code = models.CharField(max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Room(models.Model):
    code = models.CharField(max_length=32, unique=True, validators=[code_validator])
    capacity = models.PositiveIntegerField(validators=between(1, limits.MAX_ROOM_CAPACITY))
    kind = models.CharField(max_length=16, choices=RoomKind.choices, default=RoomKind.LECTURE)
    building = models.CharField(max_length=100, blank=True, default="")
    # tags the room has, ";"-separated and normalised by ``limits.tags_normalise``
    features = models.CharField(max_length=500, blank=True, default="", validators=[tags_validator])

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["kind", "capacity"]), models.Index(fields=["building"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=limits.MAX_ROOM_CAPACITY),
                name="room_capacity_range",
            ),
            models.CheckConstraint(condition=Q(kind__in=RoomKind.values), name="room_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.code


class TimeSlot(models.Model):
    """One period of the weekly grid: ``period`` (1-based) of ``day`` from start to end."""

    day = models.PositiveSmallIntegerField(choices=Day.choices)
    period = models.PositiveSmallIntegerField(validators=between(1, limits.MAX_PERIODS_PER_DAY))
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["day", "period"]
        constraints = [
            models.UniqueConstraint(fields=["day", "period"], name="timeslot_day_period_unique"),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="timeslot_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(period__gte=1, period__lte=limits.MAX_PERIODS_PER_DAY),
                name="timeslot_period_range",
            ),
            models.CheckConstraint(condition=Q(day__lte=6), name="timeslot_day_valid"),
        ]

    def __str__(self) -> str:
        return f"{Day(self.day).label} P{self.period} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class Faculty(models.Model):
    employee_id = models.CharField(max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, default="")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="faculty")
    max_hours_per_week = models.PositiveSmallIntegerField(
        default=18, validators=between(1, limits.MAX_HOURS_PER_WEEK)
    )
    max_hours_per_day = models.PositiveSmallIntegerField(
        default=4, validators=between(1, limits.MAX_HOURS_PER_DAY)
    )
    # hard: at most this many consecutive teaching periods (null: no limit)
    max_consecutive = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=between(1, limits.MAX_PERIODS_PER_DAY)
    )
    # soft: idle periods between the first and last class of a day beyond this count
    max_gaps_per_day = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=between(0, limits.MAX_PERIODS_PER_DAY)
    )
    user = models.OneToOneField(
        "academics.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="faculty_profile",
    )

    class Meta:
        ordering = ["employee_id"]
        verbose_name_plural = "faculty"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    max_hours_per_week__gte=1, max_hours_per_week__lte=limits.MAX_HOURS_PER_WEEK
                ),
                name="faculty_week_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    max_hours_per_day__gte=1, max_hours_per_day__lte=limits.MAX_HOURS_PER_DAY
                ),
                name="faculty_day_hours_range",
            ),
        ]

    def __str__(self) -> str:
        return self.employee_id


class FacultyUnavailability(models.Model):
    faculty = models.ForeignKey(Faculty, on_delete=models.CASCADE, related_name="unavailability")
    day = models.PositiveSmallIntegerField(choices=Day.choices)
    period = models.PositiveSmallIntegerField(validators=between(1, limits.MAX_PERIODS_PER_DAY))

    class Meta:
        ordering = ["faculty_id", "day", "period"]
        verbose_name_plural = "faculty unavailability"
        constraints = [
            models.UniqueConstraint(
                fields=["faculty", "day", "period"], name="unavailability_unique"
            ),
            models.CheckConstraint(
                condition=Q(period__gte=1, period__lte=limits.MAX_PERIODS_PER_DAY),
                name="unavailability_period_range",
            ),
            models.CheckConstraint(condition=Q(day__lte=6), name="unavailability_day_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.faculty_id} {Day(self.day).label} P{self.period}"


class Subject(models.Model):
    code = models.CharField(max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="subjects")
    kind = models.CharField(max_length=16, choices=SubjectKind.choices, default=SubjectKind.THEORY)
    sessions_per_week = models.PositiveSmallIntegerField(
        validators=between(1, limits.MAX_SESSIONS_PER_WEEK)
    )
    periods_per_session = models.PositiveSmallIntegerField(
        default=1, validators=between(1, limits.MAX_PERIODS_PER_SESSION)
    )
    min_days = models.PositiveSmallIntegerField(
        default=0, validators=between(0, limits.MAX_DAYS_PER_WEEK)
    )
    # tags the room must have, ";"-separated like ``Room.features``
    room_features = models.CharField(
        max_length=500, blank=True, default="", validators=[tags_validator]
    )

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["kind"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    sessions_per_week__gte=1, sessions_per_week__lte=limits.MAX_SESSIONS_PER_WEEK
                ),
                name="subject_sessions_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    periods_per_session__gte=1,
                    periods_per_session__lte=limits.MAX_PERIODS_PER_SESSION,
                ),
                name="subject_periods_range",
            ),
            models.CheckConstraint(
                condition=Q(min_days__lte=limits.MAX_DAYS_PER_WEEK), name="subject_min_days_range"
            ),
            models.CheckConstraint(
                condition=Q(min_days__lte=F("sessions_per_week")),
                name="subject_min_days_le_sessions",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SubjectKind.values), name="subject_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Batch(models.Model):
    code = models.CharField(max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="batches")
    semester = models.PositiveSmallIntegerField(validators=between(1, limits.MAX_SEMESTER))
    size = models.PositiveIntegerField(validators=between(1, limits.MAX_BATCH_SIZE))
    # a subgroup (lab or tutorial group) of ``parent``: its students are the parent's too
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="subgroups"
    )
    # the shift whose periods the batch may use (null: every period); a subgroup inherits
    # its parent's shift
    shift = models.ForeignKey(
        "academics.Shift", null=True, blank=True, on_delete=models.PROTECT, related_name="batches"
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "batches"
        indexes = [models.Index(fields=["semester", "department"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gte=1, size__lte=limits.MAX_BATCH_SIZE), name="batch_size_range"
            ),
            models.CheckConstraint(
                condition=Q(semester__gte=1, semester__lte=limits.MAX_SEMESTER),
                name="batch_semester_range",
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="batch_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.code


class Student(models.Model):
    roll_number = models.CharField(max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, default="")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="students")
    user = models.OneToOneField(
        "academics.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="student_profile",
    )

    class Meta:
        ordering = ["roll_number"]

    def __str__(self) -> str:
        return self.roll_number


class Offering(models.Model):
    """A subject taught to a batch by a faculty member.

    Offerings that share a non-empty ``group`` (with the same subject and faculty) form one
    combined class attended together by all their batches.
    """

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="offerings")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="offerings")
    faculty = models.ForeignKey(Faculty, on_delete=models.PROTECT, related_name="offerings")
    group = models.CharField(max_length=64, blank=True, default="", db_index=True)
    # set on the offerings an elective basket's option creates, one per batch of the basket
    basket_option = models.ForeignKey(
        "academics.BasketOption",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="offerings",
    )

    class Meta:
        ordering = ["batch_id", "subject_id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "subject"], name="offering_batch_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.batch} · {self.subject}"
