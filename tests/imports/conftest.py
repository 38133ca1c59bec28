"""Helpers for the import tests: write CSV files, run ``import_csv``, count what is stored."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from academics import models as am

MODELS = (
    am.Department,
    am.Room,
    am.TimeSlot,
    am.Faculty,
    am.FacultyUnavailability,
    am.Subject,
    am.Batch,
    am.Student,
    am.Offering,
    am.RoomUnavailability,
    am.Shift,
    am.FacultyPreference,
    am.Basket,
    am.BasketOption,
    am.Enrollment,
    am.FixedSession,
)


@dataclass
class Run:
    ok: bool
    stdout: str
    stderr: str
    message: str = ""

    @property
    def problems(self) -> list[str]:
        """The ``FILE:ROW: column: message`` lines (progress lines are indented)."""
        return [
            line
            for line in self.stderr.splitlines()
            if line and not line.startswith(" ") and not line.startswith("ignored ")
        ]


def db_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.fixture
def csv_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary working directory, so file names in messages are short and exact."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def write(csv_dir: Path):
    def _write(name: str, text: str | bytes, *, folder: str | None = None) -> str:
        base = csv_dir / folder if folder else csv_dir
        base.mkdir(exist_ok=True)
        path = base / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return str(path.relative_to(csv_dir))

    return _write


@pytest.fixture
def run_import(db):
    def _run(*args: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("import_csv", *args, stdout=out, stderr=err)
        except CommandError as exc:
            return Run(False, out.getvalue(), err.getvalue(), str(exc))
        return Run(True, out.getvalue(), err.getvalue())

    return _run
