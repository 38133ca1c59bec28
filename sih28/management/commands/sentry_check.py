"""``python manage.py sentry_check``: prove that events reach the configured Sentry server.

Sends a test message and a test exception, flushes, and prints both event ids and where
they went (host and project id from the DSN; never the key). Exits non-zero when no DSN is
configured or the events could not be handed to the transport.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import sentry_sdk
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sih28.sentry import SentryCommandMixin


class SentryCheckError(RuntimeError):
    """Raised on purpose by ``sentry_check``; seeing it in Sentry means reporting works."""


def describe_dsn(dsn: str) -> tuple[str, str]:
    """``(scheme://host[:port], project id)`` of a DSN, without its public key."""
    parts = urlsplit(dsn)
    host = parts.hostname or "?"
    netloc = f"{host}:{parts.port}" if parts.port else host
    project = parts.path.rstrip("/").rsplit("/", 1)[-1] or "?"
    return f"{parts.scheme}://{netloc}", project


class Command(SentryCommandMixin, BaseCommand):
    help = "Send a test message and a test exception to Sentry and say where they went."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--timeout",
            type=float,
            default=10.0,
            help="seconds to wait for the events to be sent (default 10)",
        )

    def execute(self, *args, **options):
        # Refuse before the mixin opens a transaction: without a DSN there is nothing to do.
        if not settings.SENTRY_DSN or not sentry_sdk.get_client().is_active():
            raise CommandError(
                "Sentry is not configured: set SENTRY_DSN (in the environment or .env) to "
                "the DSN of your Sentry or Bugsink project, e.g. the one `make dashboard` "
                "prints, and run `python manage.py sentry_check` again."
            )
        return super().execute(*args, **options)

    def handle(self, *args, **options) -> None:
        host, project = describe_dsn(settings.SENTRY_DSN)
        sentry_sdk.set_tag("check", "sentry_check")
        message_id = sentry_sdk.capture_message(
            "sentry_check: test message from SIH28", level="info"
        )
        try:
            raise SentryCheckError("sentry_check: test exception from SIH28 (ignore me)")
        except SentryCheckError as exc:
            exception_id = sentry_sdk.capture_exception(exc)
        if not message_id or not exception_id:
            raise CommandError(
                "The Sentry SDK did not accept the test events (dropped by a "
                "sampler or a before_send hook?)."
            )
        client = sentry_sdk.get_client()
        client.flush(timeout=options["timeout"])
        self.stdout.write(f"Sentry server:  {host} (project {project})")
        self.stdout.write(f"environment:    {client.options.get('environment')}")
        self.stdout.write(f"release:        {client.options.get('release') or '-'}")
        self.stdout.write(f"test message:   event id {message_id}")
        self.stdout.write(f"test exception: event id {exception_id}")
        self.stdout.write(
            self.style.SUCCESS(
                "Sent. Look for these event ids in the project's issues (search by id)."
            )
        )
