"""Role rules for the API.

Admin and staff write everything. Every other role reads only what a view allows
(``read_roles``) and writes only where a view says so (``write_roles``); row-level limits
(a student's own attendance, a faculty member's own slots) live in the views' querysets and
the services.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

ADMIN, STAFF, FACULTY, STUDENT = "admin", "staff", "faculty", "student"
ALL_ROLES = frozenset({ADMIN, STAFF, FACULTY, STUDENT})
MANAGERS = frozenset({ADMIN, STAFF})


def role_of(user) -> str | None:
    if not user or not user.is_authenticated:
        return None
    if user.is_superuser:
        return ADMIN
    return getattr(user, "role", None)


def is_manager(user) -> bool:
    return role_of(user) in MANAGERS


class RolePermission(BasePermission):
    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        role = role_of(request.user)
        if role is None:
            return False
        if request.method in SAFE_METHODS:
            allowed = getattr(view, "read_roles", ALL_ROLES)
        else:
            allowed = getattr(view, "write_roles", MANAGERS)
        return role in allowed


class ManagersOnly(RolePermission):
    def has_permission(self, request, view) -> bool:
        return role_of(request.user) in MANAGERS
