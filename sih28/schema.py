"""OpenAPI: teach drf-spectacular that the project's auth classes are DRF's token and session
schemes (they only add Sentry user context), so the schema states how to authenticate."""

from drf_spectacular.authentication import SessionScheme, TokenScheme


class ProjectTokenScheme(TokenScheme):
    target_class = "sih28.authentication.TokenAuthentication"
    name = "tokenAuth"


class ProjectSessionScheme(SessionScheme):
    target_class = "sih28.authentication.SessionAuthentication"
    name = "cookieAuth"
