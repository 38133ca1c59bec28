"""DRF authentication classes that also tell Sentry who (id and role) made the request."""

from __future__ import annotations

from rest_framework import authentication

from sih28.sentry import set_user_context


class _TagsSentryUser:
    def authenticate(self, request):  # noqa: ANN001, ANN201
        result = super().authenticate(request)  # type: ignore[misc]
        if result is not None:
            set_user_context(result[0])
        return result


class TokenAuthentication(_TagsSentryUser, authentication.TokenAuthentication):
    pass


class SessionAuthentication(_TagsSentryUser, authentication.SessionAuthentication):
    pass
