from django.contrib import admin

from sih28.filtering import BoundedSearchAdmin
from timetabling.models import (
    Attendance,
    FacultyLeave,
    GenerationJob,
    ReviewEvent,
    SessionOverride,
    TimetableSlot,
)


@admin.register(GenerationJob)
class GenerationJobAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = [
        "id",
        "status",
        "scope_label",
        "created_by",
        "created_at",
        "finished_at",
        "published_at",
        "review",
        "variant_label",
    ]
    list_filter = ["status", "review", "semester", "department"]
    list_select_related = ["department", "batch", "created_by"]
    search_fields = ["id", "error"]
    readonly_fields = [
        "status",
        "review",
        "variant_group",
        "variant_label",
        "progress",
        "metrics",
        "error",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "celery_task_id",
        "published_at",
    ]
    raw_id_fields = ["department", "batch"]


@admin.register(TimetableSlot)
class TimetableSlotAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = [
        "id",
        "job",
        "batch",
        "offering",
        "faculty",
        "room",
        "day",
        "period",
        "length",
        "active",
    ]
    list_filter = ["active", "day"]
    list_select_related = [
        "job",
        "batch",
        "offering__batch",
        "offering__subject",
        "faculty",
        "room",
    ]
    search_fields = ["batch__code", "faculty__employee_id", "room__code"]
    raw_id_fields = ["job", "offering", "batch", "faculty", "room"]


@admin.register(Attendance)
class AttendanceAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = ["student", "slot", "date", "status", "marked_by", "marked_at"]
    list_filter = ["status", "date"]
    list_select_related = ["student", "slot", "marked_by"]
    search_fields = ["student__roll_number"]
    raw_id_fields = ["student", "slot", "marked_by"]
    date_hierarchy = "date"


@admin.register(FacultyLeave)
class FacultyLeaveAdmin(admin.ModelAdmin):
    list_display = ["faculty", "start", "end", "reason", "created_by"]
    list_select_related = ["faculty", "created_by"]
    raw_id_fields = ["faculty"]
    readonly_fields = ["created_by", "created_at"]
    date_hierarchy = "start"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(SessionOverride)
class SessionOverrideAdmin(admin.ModelAdmin):
    """Overrides are accepted from the proposals (the API); here they are read or removed."""

    list_display = ["slot", "date", "substitute", "period", "room", "leave"]
    list_select_related = ["substitute", "room"]
    readonly_fields = ["slot", "date", "substitute", "period", "room", "leave", "created_by"]

    def has_add_permission(self, request):
        return False


@admin.register(ReviewEvent)
class ReviewEventAdmin(admin.ModelAdmin):
    """The review trail is written by the review moves only."""

    list_display = ["job", "move", "from_state", "to_state", "user", "at"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
