"""``POST /api/auth/token/``: exchange a username and password for an API token;
``POST /api/auth/logout/`` revokes the token sent, ``POST /api/auth/logout-all/`` every
token of its user.

Tokens are django-rest-knox's (hashed at rest, expiring); the login answers
``{"token": ..., "expiry": ...}``. It is rate-limited per client address (scope ``auth``,
shared with the sign-in pages) so password guessing gets 429.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from knox import views as knox_views
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from sih28.authentication import TokenAuthentication
from sih28.throttling import ScopedThrottle

_TOKEN_RESPONSE = inline_serializer(
    "IssuedToken",
    fields={"token": serializers.CharField(), "expiry": serializers.DateTimeField()},
)


class ObtainTokenView(knox_views.LoginView):
    """Knox's login view, authenticated by the username and password in the body."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"
    serializer_class = AuthTokenSerializer

    @extend_schema(request=AuthTokenSerializer, responses=_TOKEN_RESPONSE)
    def post(self, request: Request, format: str | None = None) -> Response:
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        credentials.is_valid(raise_exception=True)
        request.user = credentials.validated_data["user"]
        return super().post(request, format=format)


class LogoutView(knox_views.LogoutView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, format: str | None = None) -> Response:
        return super().post(request, format=format)


class LogoutAllView(knox_views.LogoutAllView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, format: str | None = None) -> Response:
        return super().post(request, format=format)
