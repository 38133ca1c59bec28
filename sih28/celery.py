"""The Celery application. Configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sih28.settings")

app = Celery("sih28")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.celeryd_init.connect
@signals.beat_init.connect
def _load_settings_before_fork(**_kwargs: object) -> None:
    """Load the Django settings (which initialise Sentry) in the worker's and beat's main
    process, before the prefork pool forks, so every child inherits an initialised SDK."""
    from django.conf import settings

    settings.SENTRY_DSN  # noqa: B018 - the import and first access run sih28.sentry.init_sentry
