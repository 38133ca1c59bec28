"""OpenAPI: teach drf-spectacular that the project's auth classes are knox's token and DRF's
session schemes (they only add Sentry user context), so the schema states how to
authenticate."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme


class ProjectTokenScheme(KnoxTokenScheme):
    target_class = "sih28.authentication.TokenAuthentication"
    name = "tokenAuth"


class ProjectSessionScheme(SessionScheme):
    target_class = "sih28.authentication.SessionAuthentication"
    name = "cookieAuth"
