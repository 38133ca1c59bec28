from django.urls import include, path
from rest_framework.routers import DefaultRouter

from academics import api
from sih28.auth_api import LogoutAllView, LogoutView, ObtainTokenView

router = DefaultRouter()
router.register("departments", api.DepartmentViewSet, basename="department")
router.register("rooms", api.RoomViewSet, basename="room")
router.register("timeslots", api.TimeSlotViewSet, basename="timeslot")
router.register("faculty", api.FacultyViewSet, basename="faculty")
router.register(
    "faculty-unavailability", api.FacultyUnavailabilityViewSet, basename="faculty-unavailability"
)
router.register("subjects", api.SubjectViewSet, basename="subject")
router.register("batches", api.BatchViewSet, basename="batch")
router.register("students", api.StudentViewSet, basename="student")
router.register("offerings", api.OfferingViewSet, basename="offering")
router.register("shifts", api.ShiftViewSet, basename="shift")
router.register(
    "room-unavailability", api.RoomUnavailabilityViewSet, basename="room-unavailability"
)
router.register("faculty-preferences", api.FacultyPreferenceViewSet, basename="faculty-preference")
router.register("fixed-sessions", api.FixedSessionViewSet, basename="fixed-session")
router.register("baskets", api.BasketViewSet, basename="basket")
router.register("basket-options", api.BasketOptionViewSet, basename="basket-option")
router.register("enrollments", api.EnrollmentViewSet, basename="enrollment")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", LogoutAllView.as_view(), name="auth-logout-all"),
    path("", include(router.urls)),
]
