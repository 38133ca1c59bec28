from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

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
    User,
)
from sih28.filtering import BoundedSearchAdmin


@admin.register(User)
class UserAdmin(BoundedSearchAdmin, DjangoUserAdmin):
    list_display = ["username", "role", "is_active", "is_staff", "last_login"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Role", {"fields": ("role", "is_approver", "department")}),
    )
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, ("Role", {"fields": ("role",)}))


class LinksOneLogin(admin.ModelAdmin):
    """A student or faculty record links only an account of its own role, never staff or an
    admin (the same rule as the API's serializers)."""

    login_role: str

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = selectors.linkable_users(self.login_role)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Department)
class DepartmentAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Room)
class RoomAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = ["code", "kind", "capacity", "building"]
    list_filter = ["kind", "building"]
    search_fields = ["code", "building"]


@admin.register(TimeSlot)
class TimeSlotAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = ["day", "period", "start_time", "end_time"]
    list_filter = ["day"]


class UnavailabilityInline(admin.TabularInline):
    model = FacultyUnavailability
    extra = 0


@admin.register(Faculty)
class FacultyAdmin(BoundedSearchAdmin, LinksOneLogin):
    login_role = Role.FACULTY
    list_display = ["employee_id", "name", "department", "max_hours_per_week", "max_hours_per_day"]
    list_filter = ["department"]
    list_select_related = ["department"]
    search_fields = ["employee_id", "name", "email"]
    raw_id_fields = ["user"]
    inlines = [UnavailabilityInline]


@admin.register(FacultyUnavailability)
class FacultyUnavailabilityAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = ["faculty", "day", "period"]
    list_filter = ["day"]
    list_select_related = ["faculty"]
    search_fields = ["faculty__employee_id"]
    raw_id_fields = ["faculty"]


@admin.register(Subject)
class SubjectAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "department",
        "kind",
        "sessions_per_week",
        "periods_per_session",
        "min_days",
    ]
    list_filter = ["kind", "department"]
    list_select_related = ["department"]
    search_fields = ["code", "name"]


@admin.register(Batch)
class BatchAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "department", "semester", "size"]
    list_filter = ["department", "semester"]
    list_select_related = ["department"]
    search_fields = ["code", "name"]


@admin.register(Student)
class StudentAdmin(BoundedSearchAdmin, LinksOneLogin):
    login_role = Role.STUDENT
    list_display = ["roll_number", "name", "batch"]
    list_filter = ["batch__department", "batch"]
    list_select_related = ["batch"]
    search_fields = ["roll_number", "name"]
    raw_id_fields = ["user", "batch"]


@admin.register(Offering)
class OfferingAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = ["batch", "subject", "faculty", "group"]
    list_filter = ["batch__department", "subject__kind"]
    list_select_related = ["batch", "subject", "faculty"]
    search_fields = ["batch__code", "subject__code", "faculty__employee_id", "group"]
    raw_id_fields = ["batch", "subject", "faculty"]
