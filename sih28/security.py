"""Security settings read from the environment, checked before Django starts.

Plain functions that need no configured Django: ``settings.py`` calls them while it is
being read.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

# Django's own bar for a strong key (``check --deploy``, security.W009): refusing to start
# below it keeps the start-up refusal and the deployment check in agreement.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
_GENERATED_INSECURE_PREFIX = "django-insecure-"


def secret_key_weakness(key: str) -> str | None:
    """Why ``key`` is too weak to sign sessions and password-reset links, or None."""
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it is {len(key)} characters long, at least {SECRET_KEY_MIN_LENGTH} are needed"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return (
            f"{len(set(key))} distinct characters, at least "
            f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} are needed"
        )
    if key.startswith(_GENERATED_INSECURE_PREFIX):
        return f"it starts with {_GENERATED_INSECURE_PREFIX!r} (Django's development key)"
    return None


def proxy_ssl_header(raw: str) -> tuple[str, str] | None:
    """``SECURE_PROXY_SSL_HEADER`` from ``"HTTP_X_FORWARDED_PROTO,https"`` (empty: None)."""
    if not raw.strip():
        return None
    header, sep, value = (part.strip() for part in raw.partition(","))
    if not sep or not header or not value or "," in value:
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must be HEADER,VALUE such as HTTP_X_FORWARDED_PROTO,https"
        )
    if not header.startswith("HTTP_"):
        header = "HTTP_" + header.upper().replace("-", "_")
    return header, value
