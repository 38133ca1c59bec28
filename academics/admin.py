from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from academics import selectors
from academics.baskets import basket_offerings_sync
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
    list_display = ["code", "kind", "capacity", "building", "features"]
    list_filter = ["kind", "building"]
    search_fields = ["code", "building", "features"]


@admin.register(TimeSlot)
class TimeSlotAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = ["day", "period", "start_time", "end_time"]
    list_filter = ["day"]


class UnavailabilityInline(admin.TabularInline):
    model = FacultyUnavailability
    extra = 0


class PreferenceInline(admin.TabularInline):
    model = FacultyPreference
    extra = 0


@admin.register(Faculty)
class FacultyAdmin(BoundedSearchAdmin, LinksOneLogin):
    login_role = Role.FACULTY
    list_display = [
        "employee_id",
        "name",
        "department",
        "max_hours_per_week",
        "max_hours_per_day",
        "max_consecutive",
        "max_gaps_per_day",
    ]
    list_filter = ["department"]
    list_select_related = ["department"]
    search_fields = ["employee_id", "name", "email"]
    raw_id_fields = ["user"]
    inlines = [UnavailabilityInline, PreferenceInline]


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
        "room_features",
    ]
    list_filter = ["kind", "department"]
    list_select_related = ["department"]
    search_fields = ["code", "name"]


@admin.register(Batch)
class BatchAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "department", "semester", "size", "parent", "shift"]
    list_filter = ["department", "semester", "shift"]
    list_select_related = ["department", "parent", "shift"]
    search_fields = ["code", "name", "parent__code"]
    raw_id_fields = ["parent"]


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
    list_display = ["batch", "subject", "faculty", "group", "basket_option"]
    list_filter = ["batch__department", "subject__kind"]
    list_select_related = ["batch", "subject", "faculty", "basket_option__basket"]
    search_fields = ["batch__code", "subject__code", "faculty__employee_id", "group"]
    raw_id_fields = ["batch", "subject", "faculty", "basket_option"]


@admin.register(Shift)
class ShiftAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "periods"]
    search_fields = ["code", "name"]


@admin.register(RoomUnavailability)
class RoomUnavailabilityAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = ["room", "day", "period"]
    list_filter = ["day"]
    list_select_related = ["room"]
    search_fields = ["room__code"]
    raw_id_fields = ["room"]


@admin.register(FacultyPreference)
class FacultyPreferenceAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = ["faculty", "day", "period", "preference"]
    list_filter = ["preference", "day"]
    list_select_related = ["faculty"]
    search_fields = ["faculty__employee_id"]
    raw_id_fields = ["faculty"]


class BasketOptionInline(admin.TabularInline):
    model = BasketOption
    extra = 0
    raw_id_fields = ["subject", "faculty"]


@admin.register(Basket)
class BasketAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    """Saving a basket (its batches, its options) updates the offerings its options own,
    as the CSV import does."""

    list_display = ["code", "name", "sessions_per_week", "periods_per_session", "min_days"]
    search_fields = ["code", "name"]
    filter_horizontal = ["batches"]
    inlines = [BasketOptionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        basket_offerings_sync(basket_ids=[form.instance.pk])


@admin.register(BasketOption)
class BasketOptionAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = ["basket", "subject", "faculty"]
    list_filter = ["basket"]
    list_select_related = ["basket", "subject", "faculty"]
    search_fields = ["basket__code", "subject__code", "faculty__employee_id"]
    raw_id_fields = ["basket", "subject", "faculty"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        basket_offerings_sync(basket_ids=[obj.basket_id])


@admin.register(Enrollment)
class EnrollmentAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = ["student", "basket", "option"]
    list_filter = ["basket"]
    list_select_related = ["student", "basket", "option__subject", "option__basket"]
    search_fields = ["student__roll_number", "basket__code", "option__subject__code"]
    raw_id_fields = ["student", "basket", "option"]


@admin.register(FixedSession)
class FixedSessionAdmin(BoundedSearchAdmin, admin.ModelAdmin):
    list_display = ["batch", "subject", "day", "period", "room"]
    list_filter = ["day"]
    list_select_related = ["batch", "subject", "room"]
    search_fields = ["batch__code", "subject__code", "room__code"]
    raw_id_fields = ["batch", "subject", "room"]
