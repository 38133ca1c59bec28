"""DRF authentication classes that also tell Sentry who (id and role) made the request.

``Authorization: Token <token>`` is django-rest-knox's scheme: only a hash of each token is
stored, every token expires (``API_TOKEN_TTL_HOURS``), and deleting a user's token rows
revokes them (logout, a password change). Every request looks its token and user up in the
database: a deactivated user, a deleted token or a changed role takes effect on the very
next request, in every process, however the change was made (the ORM, a bulk ``update()``,
the admin, raw SQL).
"""

from __future__ import annotations

import weakref

from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import authentication

from sih28.sentry import set_user_context


class _TagsSentryUser:
    def authenticate(self, request):
        # The API request, for the body of an error's request context (errors-only mode,
        # ``sih28.sentry_requests``): Django's request alone holds only the raw stream.
        request._request.sentry_api_request = weakref.ref(request)
        result = super().authenticate(request)  # type: ignore[misc]
        if result is not None:
            set_user_context(result[0])
        return result


class TokenAuthentication(_TagsSentryUser, KnoxTokenAuthentication):
    pass


class SessionAuthentication(_TagsSentryUser, authentication.SessionAuthentication):
    pass
