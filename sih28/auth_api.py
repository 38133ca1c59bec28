"""``POST /api/auth/token/``: exchange a username and password for an API token.

Rate-limited per client address (scope ``auth``) so password guessing gets 429.
"""

from __future__ import annotations

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny

from sih28.throttling import ScopedThrottle


class ObtainTokenView(ObtainAuthToken):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "auth"
