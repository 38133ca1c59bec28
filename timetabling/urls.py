from django.urls import include, path
from rest_framework.routers import SimpleRouter

from timetabling import api

router = SimpleRouter()
router.register("generation-jobs", api.GenerationJobViewSet, basename="generation-job")
router.register("timetable-slots", api.TimetableSlotViewSet, basename="timetable-slot")
router.register("attendance", api.AttendanceViewSet, basename="attendance")

urlpatterns = [
    # Before the academics router, whose faculty detail route would otherwise match.
    path("faculty/workload/", api.FacultyWorkloadView.as_view(), name="faculty-workload"),
    path("", include(router.urls)),
]
