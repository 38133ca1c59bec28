from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from sih28.health import healthz
from sih28.login_throttle import throttled_login

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Before the admin's own URLs, so its login meets the same throttle as the API's.
    path("admin/login/", throttled_login(admin.site.login)),
    path("admin/", admin.site.urls),
    path("timetable/", include("timetabling.page_urls")),
    path("office/", include("imports.console_urls")),
    path("office/", include("timetabling.console_urls")),
    path("api/", include("timetabling.urls")),
    path("api/", include("imports.urls")),
    path("api/", include("academics.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

handler400 = "sih28.errors.json_400"
handler403 = "sih28.errors.json_403"
handler404 = "sih28.errors.json_404"
handler500 = "sih28.errors.json_500"
