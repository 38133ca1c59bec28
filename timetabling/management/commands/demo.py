"""``make demo``: migrate, create a demo admin, import the sample institution, generate and
publish its timetable, print a summary and serve until Ctrl-C.

It lives in ``timetabling`` because what it delivers is a published timetable served by
this app's pages; the import runs through the ``import_csv`` command by name.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from academics.models import Department

SAMPLE_DIR = Path(settings.BASE_DIR) / "imports" / "sample"


class Command(BaseCommand):
    help = "Set up and serve a demo institution on SQLite (the embedded default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="set up, then exit")
        parser.add_argument(
            "--time-limit",
            type=int,
            default=30,
            help="solver time limit for the demo timetable (seconds)",
        )

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING("1/4 Migrating the database"))
        call_command("migrate", interactive=False, verbosity=0)

        self.stdout.write(self.style.MIGRATE_HEADING("2/4 Demo login"))
        username, password = self._demo_admin()

        self.stdout.write(self.style.MIGRATE_HEADING("3/4 Importing the sample institution"))
        if Department.objects.exists():
            self.stdout.write("  already imported; keeping the data that is there")
        else:
            call_command("import_csv", "--dir", str(SAMPLE_DIR), stdout=self.stdout)

        self.stdout.write(self.style.MIGRATE_HEADING("4/4 Generating the timetable"))
        call_command(
            "generate_timetable",
            "--publish",
            "--time-limit",
            str(options["time_limit"]),
            stdout=self.stdout,
        )

        addr = str(options["addr"])
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"SIH28 demo on http://{addr}/"))
        self.stdout.write(f"  login:      {username} / {password}")
        self.stdout.write(f"  timetables: http://{addr}/timetable/")
        self.stdout.write(f"  API docs:   http://{addr}/api/docs/")
        self.stdout.write(f"  admin:      http://{addr}/admin/")
        if options["no_serve"]:
            return
        self.stdout.write("Ctrl-C stops the server.")
        try:
            call_command("runserver", addr, use_reloader=False)
        except KeyboardInterrupt:
            self.stdout.write("\nStopped.")

    def _demo_admin(self) -> tuple[str, str]:
        user_model = get_user_model()
        username = "demo-admin"
        password = secrets.token_urlsafe(9)
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"role": "admin", "is_staff": True, "is_superuser": True}
        )
        user.set_password(password)
        user.save()
        self.stdout.write(f"  {'created' if created else 'reset password of'} {username}")
        return username, password
