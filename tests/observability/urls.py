"""The project's URLs plus one view that fails on purpose (for the Sentry error tests)."""

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sih28.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


class BoomError(RuntimeError):
    pass


class FailingView(APIView):
    """Holds secrets and personal data in local variables, then raises."""

    def post(self, request: Request) -> Response:
        from academics.models import Student

        password = request.data.get("password")
        api_token = request.headers.get("Authorization", "")
        student = Student.objects.order_by("pk").first()
        email = student.email if student else "nobody@example.edu"
        raise BoomError(f"boom for {email} with password={password} ({api_token[:3]})")


class FailingQueryView(APIView):
    """A query the database refuses (a programming error, not an outage)."""

    def get(self, request: Request) -> Response:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM academics_department")
        return Response({})


urlpatterns = [
    path("api/_boom/", FailingView.as_view()),
    path("api/_boom_db/", FailingQueryView.as_view()),
    *urlpatterns,
]
