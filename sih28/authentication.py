"""DRF authentication classes that also tell Sentry who (id and role) made the request.

Token lookups are cached: every API request authenticates, and the token-plus-user query
was a fifth of a list request's work. The cache (the shared Django cache, so every worker
sees an invalidation) holds, under a hash of the token, only what authorisation needs: the
user's id, role and flags (never the password hash, a name or an e-mail address). Saving
or deleting a token or a user through the ORM or the admin drops the entry at once;
``AUTH_TOKEN_CACHE_SECONDS`` (default 60, 0 turns the cache off) bounds how long a change
made behind the ORM's back (a bulk ``update()``, raw SQL) can go unnoticed.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import router
from rest_framework import authentication

from sih28.sentry import set_user_context

#: The user fields a cached token restores; anything else loads lazily if ever read.
CACHED_USER_FIELDS = ("id", "role", "is_active", "is_staff", "is_superuser")


def token_cache_key(key: str) -> str:
    return "authtoken:" + hashlib.sha256(key.encode()).hexdigest()[:40]


def forget_tokens(*keys: str) -> None:
    """Drop cached lookups of these tokens (called on token and user changes)."""
    if keys:
        cache.delete_many([token_cache_key(k) for k in keys])


class _TagsSentryUser:
    def authenticate(self, request):  # noqa: ANN001, ANN201
        result = super().authenticate(request)  # type: ignore[misc]
        if result is not None:
            set_user_context(result[0])
        return result


class TokenAuthentication(_TagsSentryUser, authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        seconds = settings.AUTH_TOKEN_CACHE_SECONDS
        if not seconds:
            return super().authenticate_credentials(key)
        cache_key = token_cache_key(key)
        values = cache.get(cache_key)
        if values is None:
            user, token = super().authenticate_credentials(key)
            cache.set(cache_key, {f: getattr(user, f) for f in CACHED_USER_FIELDS}, seconds)
            return user, token
        user_model = get_user_model()
        # from_db takes the values in the model's field order, the rest deferred.
        names = [f.attname for f in user_model._meta.concrete_fields if f.attname in values]
        user = user_model.from_db(router.db_for_read(user_model), names,
                                  [values[n] for n in names])
        # DRF gives views the token as request.auth; only its key is known without a query.
        return user, self.get_model()(key=key, user_id=user.pk)


class SessionAuthentication(_TagsSentryUser, authentication.SessionAuthentication):
    pass
