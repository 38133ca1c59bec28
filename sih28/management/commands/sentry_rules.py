"""``python manage.py sentry_rules [--apply]``: the project's Sentry alerts and ownership
rules, as code.

Without ``--apply`` prints the rules. With it, creates or updates them through Sentry's
REST API (``SENTRY_API_URL``, ``SENTRY_ORG``, ``SENTRY_PROJECT``, ``SENTRY_AUTH_TOKEN``),
changing only what differs, and prints what happened to each rule.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sih28.sentry_rules import SentryApi, SentryApiError, describe, desired_rules, rules_apply


class Command(BaseCommand):
    help = "Print the Sentry alert and ownership rules; --apply creates or updates them."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--apply",
            action="store_true",
            help="create or update the rules in Sentry (idempotent)",
        )
        parser.add_argument(
            "--environment",
            default="production",
            help="the environment the alerts watch (default production)",
        )

    def handle(self, *args, **options) -> None:
        project = settings.SENTRY_PROJECT or "<SENTRY_PROJECT>"
        rules = desired_rules(project=project, environment=options["environment"])
        if not options["apply"]:
            self.stdout.write(describe(rules))
            return
        missing = [
            name
            for name in ("SENTRY_ORG", "SENTRY_PROJECT", "SENTRY_AUTH_TOKEN")
            if not getattr(settings, name)
        ]
        if missing:
            raise CommandError(f"--apply needs {', '.join(missing)} in the environment")
        api = SentryApi(
            base_url=settings.SENTRY_API_URL,
            token=settings.SENTRY_AUTH_TOKEN,
            org=settings.SENTRY_ORG,
            project=settings.SENTRY_PROJECT,
        )
        try:
            changes = rules_apply(api, rules)
        except SentryApiError as exc:
            raise CommandError(str(exc)) from exc
        for change in changes:
            self.stdout.write(f"{change.kind:13} {change.action:9} {change.name}")
        changed = sum(1 for c in changes if c.action != "unchanged")
        self.stdout.write(
            f"{len(changes)} rules in {settings.SENTRY_ORG}/{settings.SENTRY_PROJECT}: "
            f"{changed} created or updated, {len(changes) - changed} unchanged"
        )
