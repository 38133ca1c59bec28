from django.urls import include, path
from rest_framework.routers import SimpleRouter

from timetabling import api
from timetabling.leave import api as leave_api

router = SimpleRouter()
router.register("generation-jobs", api.GenerationJobViewSet, basename="generation-job")
router.register("timetable-slots", api.TimetableSlotViewSet, basename="timetable-slot")
router.register("attendance", api.AttendanceViewSet, basename="attendance")
router.register("faculty-leaves", leave_api.FacultyLeaveViewSet, basename="faculty-leave")
router.register("date-changes", leave_api.DateChangeViewSet, basename="date-change")

urlpatterns = [
    # Before the academics router, whose faculty detail route would otherwise match.
    path("faculty/workload/", api.FacultyWorkloadView.as_view(), name="faculty-workload"),
    path("leave-gaps/", leave_api.LeaveGapsView.as_view(), name="leave-gaps"),
    path("", include(router.urls)),
]
