"""Import throughput: ``python -m benchmarks.import_speed [--students N] [--postgres URL]``.

Generates an institution and N students (default 100,000) as CSV in a temporary directory,
then on a fresh SQLite database and (when reachable) a fresh PostgreSQL database measures:

- ``create``: ``import_csv students FILE`` into an empty students table;
- ``--update unchanged``: the same file again with ``--update`` (every row unchanged);
- ``--update changed``: a file with every name changed, with ``--update``;
- ``orm create`` / ``orm --update changed``: the same imports with ``imports.writers``
  replaced by ``bulk_create`` / ``bulk_update`` (the ORM path), to show what the raw writers
  gain (their docstring quotes this table);
- ``naive loop``: one ``Student.objects.create`` (and batch lookup) per row, for comparison,
  on ``--naive-rows`` rows (default 10,000).

Each measured import runs in its own process; peak RSS is that process's ``ru_maxrss``
(``os.wait4``), so it includes Python and Django themselves. ``seconds`` is the import alone
(after Django start-up); ``cpu s`` is the process's user + system time, which is steadier
than wall time on a busy machine. The PostgreSQL database (default
``postgres://postgres@127.0.0.1:5432/sih28_bench``) is created and dropped by the benchmark.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/sih28_bench"
DEPARTMENTS = ("CSE", "ECE", "MEC", "CIV")


# --- data --------------------------------------------------------------------------------


def _write(path: Path, header: list[str], rows: object) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)  # type: ignore[arg-type]


def generate(folder: Path, students: int, naive_rows: int) -> dict[str, Path]:
    """The institution in ``folder/inst`` (everything but students) and the student files."""
    inst = folder / "inst"
    inst.mkdir(parents=True)
    batches = [f"{d}-{sem}{sec}" for d in DEPARTMENTS for sem in (1, 3, 5, 7) for sec in "ABCDEF"]
    per_batch = -(-students // len(batches))
    _write(
        inst / "departments.csv", ["code", "name"], ([d, f"Department of {d}"] for d in DEPARTMENTS)
    )
    _write(
        inst / "rooms.csv",
        ["code", "capacity", "kind", "building"],
        (
            [f"R{i:03d}", 60 if i % 4 else 40, "lab" if i % 4 == 0 else "lecture", "Main"]
            for i in range(1, 41)
        ),
    )
    periods = [
        ("09:00", "09:50"),
        ("09:50", "10:40"),
        ("10:40", "11:30"),
        ("11:30", "12:20"),
        ("13:20", "14:10"),
        ("14:10", "15:00"),
        ("15:00", "15:50"),
    ]
    _write(
        inst / "timeslots.csv",
        ["day", "period", "start", "end"],
        (
            [day, p, start, end]
            for day in ("MON", "TUE", "WED", "THU", "FRI")
            for p, (start, end) in enumerate(periods, start=1)
        ),
    )
    _write(
        inst / "faculty.csv",
        ["employee_id", "name", "email", "department"],
        (
            [f"F{i:04d}", f"Faculty {i}", f"f{i:04d}@example.edu", DEPARTMENTS[i % 4]]
            for i in range(200)
        ),
    )
    _write(
        inst / "subjects.csv",
        ["code", "name", "department", "kind", "sessions_per_week"],
        (
            [
                f"{d}{i:03d}",
                f"Subject {d}{i}",
                d,
                "lab" if i % 5 == 0 else "theory",
                1 if i % 5 == 0 else 3,
            ]
            for d in DEPARTMENTS
            for i in range(1, 21)
        ),
    )
    _write(
        inst / "batches.csv",
        ["code", "name", "department", "semester", "size"],
        ([b, f"Batch {b}", b.split("-")[0], b.split("-")[1][0], per_batch] for b in batches),
    )
    _write(
        inst / "offerings.csv",
        ["batch", "subject", "faculty"],
        (
            [b, f"{b.split('-')[0]}{i:03d}", f"F{(j * 5 + i) % 200:04d}"]
            for j, b in enumerate(batches)
            for i in range(1, 6)
        ),
    )

    def student_rows(start: int, count: int, name: str = "Student") -> object:
        for i in range(start, start + count):
            yield [
                f"S{i:07d}",
                f"{name} {i:07d}",
                f"s{i:07d}@example.edu",
                batches[i % len(batches)],
            ]

    files = {"inst": inst}
    header = ["roll_number", "name", "email", "batch"]
    files["students"] = folder / "students.csv"
    _write(files["students"], header, student_rows(0, students))
    files["changed"] = folder / "students_changed.csv"
    _write(files["changed"], header, student_rows(0, students, name="Renamed"))
    files["naive"] = folder / "students_naive.csv"
    _write(files["naive"], header, student_rows(students, naive_rows))
    return files


# --- one measured run (a child process) --------------------------------------------------


class OrmInserter:
    """``imports.writers.Inserter``'s interface over ``bulk_create`` (the ORM path)."""

    def __init__(self, model: Any, attrs: list[str]) -> None:
        self.model, self.attrs = model, attrs

    def insert(self, rows: Any) -> None:
        objs = [self.model(**dict(zip(self.attrs, row, strict=True))) for row in rows]
        self.model._default_manager.bulk_create(objs, batch_size=2000)


class OrmUpdater:
    """``imports.writers.Updater``'s interface over ``bulk_update`` (the ORM path)."""

    def __init__(self, model: Any, attrs: list[str]) -> None:
        self.model, self.attrs = model, attrs

    def update(self, rows: Any) -> None:
        objs = [
            self.model(pk=pk, **dict(zip(self.attrs, values, strict=True))) for values, pk in rows
        ]
        self.model._default_manager.bulk_update(objs, self.attrs, batch_size=2000)


def child(mode: str, path: str) -> None:
    """Run one import in this process and print ``{"seconds", "rows"}`` as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sih28.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from academics.models import Batch, Student

    sink = open(os.devnull, "w")  # noqa: SIM115 - the process ends right after
    if mode.startswith("orm-"):
        from imports import writers

        writers.Inserter, writers.Updater = OrmInserter, OrmUpdater  # type: ignore[misc]
        mode = mode.removeprefix("orm-")
    started = time.perf_counter()
    if mode == "setup":
        call_command("import_csv", "--dir", path, stdout=sink, stderr=sink)
        rows = 0
    elif mode in ("create", "update"):
        args = ["students", path] + (["--update"] if mode == "update" else [])
        call_command("import_csv", *args, stdout=sink, stderr=sink)
        with open(path, encoding="utf-8") as f:
            rows = sum(1 for _ in f) - 1
    elif mode == "clear":
        Student.objects.all().delete()
        rows = 0
    elif mode == "naive":
        rows = 0
        with open(path, encoding="utf-8", newline="") as f, transaction.atomic():
            reader = csv.reader(f)
            next(reader)
            for roll, name, email, batch in reader:
                Student(
                    roll_number=roll, name=name, email=email, batch=Batch.objects.get(code=batch)
                ).save()
                rows += 1
    else:
        raise SystemExit(f"unknown mode {mode}")
    seconds = time.perf_counter() - started
    sys.stdout.write(json.dumps({"seconds": seconds, "rows": rows}) + "\n")


def measure(mode: str, path: Path, env: dict[str, str]) -> dict[str, float]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.import_speed", "--child", mode, str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out = proc.stdout.read() if proc.stdout else b""
    _pid, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS and CPU time
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{out.decode(errors='replace')[-3000:]}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["rss_mib"] = usage.ru_maxrss / 1024  # KiB on Linux
    result["cpu"] = usage.ru_utime + usage.ru_stime
    return result


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )


# --- PostgreSQL --------------------------------------------------------------------------


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def pg_create(url: str) -> str | None:
    """Create the (empty) benchmark database; None when PostgreSQL cannot be reached."""
    try:
        import psycopg2
    except ImportError:
        return "psycopg2 is not installed"
    name = urlsplit(url).path.lstrip("/")
    try:
        conn = psycopg2.connect(_admin_url(url), connect_timeout=3)
    except psycopg2.OperationalError as exc:
        return str(exc).strip().splitlines()[0]
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return None


def pg_drop(url: str) -> None:
    import psycopg2

    name = urlsplit(url).path.lstrip("/")
    conn = psycopg2.connect(_admin_url(url), connect_timeout=3)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


# --- the table ---------------------------------------------------------------------------


def _row(label: str, name: str, r: dict[str, float]) -> None:
    rate = r["rows"] / r["seconds"] if r["seconds"] else 0.0
    sys.stdout.write(
        f"{label:<10}  {name:<22}  {r['rows']:>9,}  {r['seconds']:>8.2f}  "
        f"{r['cpu']:>6.2f}  {rate:>9,.0f}  {r['rss_mib']:>9.0f}\n"
    )
    sys.stdout.flush()


def run_backend(label: str, url: str, files: dict[str, Path], *, orm: bool) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "benchmark-only-secret-key-not-for-production-0123456789",
        "DEBUG": "0",
        "SENTRY_DSN": "",
        "REDIS_URL": "",
    }
    migrate(env)
    measure("setup", files["inst"], env)
    modes = [
        ("create", "create", files["students"]),
        ("--update unchanged", "update", files["students"]),
        ("--update changed", "update", files["changed"]),
        ("naive loop", "naive", files["naive"]),
    ]
    for name, mode, path in modes:
        _row(label, name, measure(mode, path, env))
    if orm:
        # The same create and changed update through bulk_create / bulk_update, on an
        # emptied students table.
        measure("clear", files["students"], env)
        for name, mode, path in [
            ("orm create", "orm-create", files["students"]),
            ("orm --update changed", "orm-update", files["changed"]),
        ]:
            _row(label, name, measure(mode, path, env))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--naive-rows", type=int, default=10_000)
    parser.add_argument("--postgres", default=DEFAULT_PG, metavar="URL")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--no-orm", action="store_true", help="skip the bulk_create / bulk_update comparison"
    )
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    sys.stdout.write(
        f"import_csv throughput: {args.students:,} students; Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, load {load:.1f}\n"
    )
    header = (
        f"{'backend':<10}  {'mode':<22}  {'rows':>9}  {'seconds':>8}  {'cpu s':>6}  "
        f"{'rows/s':>9}  {'peak MiB':>9}"
    )
    sys.stdout.write(header + "\n" + "-" * len(header) + "\n")
    with tempfile.TemporaryDirectory(prefix="import-speed-") as tmp:
        folder = Path(tmp)
        files = generate(folder, args.students, args.naive_rows)
        run_backend("sqlite", f"sqlite:///{folder / 'bench.sqlite3'}", files, orm=not args.no_orm)
        if args.no_postgres:
            sys.stdout.write("postgresql: skipped (--no-postgres)\n")
        else:
            problem = pg_create(args.postgres)
            if problem:
                sys.stdout.write(f"postgresql: skipped, not reachable ({problem})\n")
            else:
                try:
                    run_backend("postgresql", args.postgres, files, orm=not args.no_orm)
                finally:
                    pg_drop(args.postgres)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
