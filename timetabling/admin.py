from django.contrib import admin

from sih28.filtering import BoundedSearchAdmin
from timetabling.models import Attendance, GenerationJob, TimetableSlot


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
    ]
    list_filter = ["status", "semester", "department"]
    list_select_related = ["department", "batch", "created_by"]
    search_fields = ["id", "error"]
    readonly_fields = [
        "status",
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
