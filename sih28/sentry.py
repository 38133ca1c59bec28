"""Sentry set-up: one initialisation from settings; off (and free) without a DSN."""

from __future__ import annotations

import sentry_sdk


def init_sentry(
    *,
    dsn: str,
    environment: str,
    release: str | None,
    traces_sample_rate: float,
    profiles_sample_rate: float,
) -> bool:
    """Initialise the SDK once. Returns False (and does nothing) without a DSN."""
    if not dsn:
        return False
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.redis import RedisIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        profiles_sample_rate=profiles_sample_rate,
        send_default_pii=False,
        integrations=[
            DjangoIntegration(transaction_style="url"),
            CeleryIntegration(monitor_beat_tasks=True),
            RedisIntegration(),
            LoggingIntegration(),
        ],
    )
    return True


def set_user_context(user) -> None:  # noqa: ANN001 - any Django user
    """Attach the user's id and role (never name or email) to the current scope."""
    if user is None or not getattr(user, "is_authenticated", False):
        return
    sentry_sdk.set_user({"id": str(user.pk)})
    sentry_sdk.set_tag("user.role", getattr(user, "role", "") or "unknown")
