"""API latency at scale on PostgreSQL behind gunicorn, and what each API speed-up layer pays.

Seeds a fresh PostgreSQL database with 5,000 faculty, 100,000 students and 1,000,000
attendance rows (COPY, seconds not minutes), serves the project with gunicorn (2 workers)
once with every layer on and once per layer with exactly that layer switched off (its
setting, see ``LAYERS``), drives page 1 of a few list endpoints at a fixed concurrency over
keep-alive connections, the servers taking turns for ``--rounds`` rounds, and prints
p50/p95/p99 latency and requests per second per endpoint with every layer on, then per
layer and endpoint the CPU per request (the server's own processes, its database backends
and Redis) with the layer off and on and the p95 latency of both.

    python -m benchmarks.api_load [--database-url URL] [--requests 900] [--rounds 3]

The database named in --database-url is dropped and recreated. Needs PostgreSQL and, for
the throttle counters shared between gunicorn workers, Redis (``--redis-url``).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent

DAYS = 100  # teaching days the attendance is spread over
BATCH_SIZE = 50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: Where the machine's CPU goes, by process name: the server, the database, the cache.
COMPONENTS = {"gunicorn": "app", "postgres": "db", "redis-server": "redis"}


def process_cpu(stat: Path) -> tuple[str, float]:
    """A process's name and user + system CPU seconds, from its ``/proc/<pid>/stat``."""
    text = stat.read_text()
    fields = text[text.rindex(")") + 2 :].split()
    seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return text[text.index("(") + 1 : text.rindex(")")], seconds


Meter = Callable[[], dict[str, float]]  # CPU seconds so far, by component


def cpu_by_component() -> dict[str, float]:
    """CPU seconds used so far by every process of each component (from /proc)."""
    totals = dict.fromkeys(COMPONENTS.values(), 0.0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, seconds = process_cpu(stat)
        except OSError:
            continue
        if name in COMPONENTS:
            totals[COMPONENTS[name]] += seconds
    return totals


def _recreate_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def _copy(cur, table: str, columns: list[str], rows) -> int:
    buf = io.StringIO()
    n = 0
    for row in rows:
        buf.write("\t".join(str(v) for v in row))
        buf.write("\n")
        n += 1
    buf.seek(0)
    cols = ", ".join(f'"{c}"' for c in columns)
    cur.copy_expert(f"COPY {table} ({cols}) FROM STDIN", buf)
    return n


def seed(url: str, *, faculty: int, students: int, attendance: int) -> dict[str, int]:
    import psycopg2

    conn = psycopg2.connect(url)
    rng = random.Random(28)
    batches = students // BATCH_SIZE
    per_student = max(1, attendance // students)
    with conn, conn.cursor() as cur:
        _copy(
            cur,
            "academics_department",
            ["id", "code", "name"],
            ((i, f"D{i:02d}", f"Department {i}") for i in range(1, 21)),
        )
        _copy(
            cur,
            "academics_room",
            ["id", "code", "capacity", "kind", "building", "features"],
            ((i, f"R{i:03d}", 60, "lecture", "Main", "") for i in range(1, 201)),
        )
        _copy(
            cur,
            "academics_faculty",
            [
                "id",
                "employee_id",
                "name",
                "email",
                "department_id",
                "max_hours_per_week",
                "max_hours_per_day",
            ],
            (
                (i, f"F{i:05d}", f"Teacher {i}", f"f{i}@example.edu", i % 20 + 1, 18, 4)
                for i in range(1, faculty + 1)
            ),
        )
        _copy(
            cur,
            "academics_subject",
            [
                "id",
                "code",
                "name",
                "department_id",
                "kind",
                "sessions_per_week",
                "periods_per_session",
                "min_days",
                "room_features",
            ],
            (
                (i, f"S{i:04d}", f"Subject {i}", i % 20 + 1, "theory", 3, 1, 3, "")
                for i in range(1, 501)
            ),
        )
        _copy(
            cur,
            "academics_batch",
            ["id", "code", "name", "department_id", "semester", "size"],
            (
                (i, f"B{i:04d}", f"Batch {i}", i % 20 + 1, i % 8 + 1, BATCH_SIZE)
                for i in range(1, batches + 1)
            ),
        )
        _copy(
            cur,
            "academics_student",
            ["id", "roll_number", "name", "email", "batch_id"],
            (
                (i, f"R{i:07d}", f"Student {i}", f"s{i}@example.edu", (i - 1) // BATCH_SIZE + 1)
                for i in range(1, students + 1)
            ),
        )
        _copy(
            cur,
            "academics_offering",
            ["id", "batch_id", "subject_id", "faculty_id", "group"],
            ((b, b, b % 500 + 1, b % faculty + 1, "") for b in range(1, batches + 1)),
        )
        cur.execute(
            "INSERT INTO timetabling_generationjob (id, status, time_limit_s, params, progress, "
            "metrics, error, remedies, created_at, cancel_requested, celery_task_id, review, "
            "variant_label) "
            "VALUES (1, 'COMPLETED', 60, '{}', '{}', '{}', '', '[]', now(), false, '', 'draft', '')"
        )
        _copy(
            cur,
            "timetabling_timetableslot",
            [
                "id",
                "job_id",
                "offering_id",
                "batch_id",
                "faculty_id",
                "room_id",
                "day",
                "period",
                "length",
                "active",
                "primary",
                "pinned",
            ],
            (
                (b, 1, b, b, b % faculty + 1, b % 200 + 1, b % 5, b % 7 + 1, 1, "t", "t", "f")
                for b in range(1, batches + 1)
            ),
        )
        import datetime as dt

        start = dt.date(2026, 1, 5)
        dates = [(start + dt.timedelta(days=d)).isoformat() for d in range(DAYS)]
        statuses = ["present"] * 8 + ["absent", "late"]

        def attendance_rows():
            for s in range(1, students + 1):
                slot = (s - 1) // BATCH_SIZE + 1
                for date in rng.sample(dates, per_student):
                    yield s, slot, date, rng.choice(statuses), "2026-03-01 10:00:00+00"

        n_att = _copy(
            cur,
            "timetabling_attendance",
            ["student_id", "slot_id", "date", "status", "marked_at"],
            attendance_rows(),
        )
        for table in [
            "academics_department",
            "academics_room",
            "academics_faculty",
            "academics_subject",
            "academics_batch",
            "academics_student",
            "academics_offering",
            "timetabling_generationjob",
            "timetabling_timetableslot",
            "timetabling_attendance",
        ]:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.close()
    return {"faculty": faculty, "students": students, "attendance": n_att, "dates": DAYS}


def _run(cmd: list[str], env: dict[str, str]) -> None:
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def _token(env: dict[str, str]) -> str:
    code = (
        "from academics.models import User; from knox.models import AuthToken;"
        "u, _ = User.objects.get_or_create(username='bench', defaults={'role': 'admin'});"
        "print(AuthToken.objects.create(user=u)[1])"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def _wait_for(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not become healthy in time")


def drive(
    port: int,
    token: str,
    path: str,
    *,
    requests: int,
    concurrency: int,
    meter: Meter = cpu_by_component,
) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_thread = requests // concurrency

    def worker() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Token {token}", "Connection": "keep-alive"}
        local: list[float] = []
        bad = 0
        for _ in range(per_thread):
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            local.append(time.perf_counter() - t0)
            if response.status != 200 or not json.loads(body).get("results"):
                bad += 1
        conn.close()
        with lock:
            latencies.extend(local)
            errors += bad

    # Warm up each worker's connections and caches.
    for _ in range(20):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers={"Authorization": f"Token {token}"})
        conn.getresponse().read()
        conn.close()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    cpu_before = meter()
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return {
        "path": path,
        "n": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50": q[49] * 1000,
        "p95": q[94] * 1000,
        "p99": q[98] * 1000,
        "cpu_ms": _cpu_ms_per_request(meter, cpu_before, len(latencies)),
    }


WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
                 + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %f %f %f %f\\n", summary.requests, errors,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def drive_wrk(
    port: int,
    token: str,
    path: str,
    *,
    seconds: float,
    concurrency: int,
    meter: Meter = cpu_by_component,
) -> dict:
    """The same measurement with wrk (C, a fraction of the Python driver's CPU)."""
    import shutil
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_REPORT)
    url = f"http://127.0.0.1:{port}{path}"
    header = f"Authorization: Token {token}"
    base = [shutil.which("wrk") or "wrk", "-t2", f"-c{concurrency}", "-H", header]
    subprocess.run([*base, "-d2s", url], check=True, capture_output=True)  # warm-up
    cpu_before = meter()
    out = subprocess.run(
        [*base, f"-d{seconds:g}s", "-s", script.name, url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    Path(script.name).unlink()
    n, errors, duration, p50, p95, p99 = out.split("RESULT", 1)[1].split()
    return {
        "path": path,
        "n": int(n),
        "errors": int(errors),
        "rps": int(n) / float(duration),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "cpu_ms": _cpu_ms_per_request(meter, cpu_before, int(n)),
    }


PATHS = [
    "/api/faculty/",
    "/api/students/?page=1",
    "/api/attendance/?student={student}",
    "/api/attendance/?date=2026-02-02",
]


def base_env(database_url: str, redis_url: str) -> dict[str, str]:
    """The server's environment: the benchmark database, no Sentry, throttles out of reach."""
    return {
        **os.environ,
        "ENV_FILE": "",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "benchmark-only-secret-key-not-for-production-0123456789",
        "DEBUG": "0",
        "SENTRY_DSN": "",
        "THROTTLE_USER": "100000000/minute",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "sih28.settings",
    }


def database_is_seeded(url: str) -> bool:
    import psycopg2

    try:
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM academics_student")
            return cur.fetchone()[0] > 0
    except psycopg2.Error:
        return False


def prepare(args: argparse.Namespace, env: dict[str, str]) -> str:
    """Seed the database unless told to reuse it; return an admin's API token."""
    if not args.skip_seed:
        t0 = time.perf_counter()
        _recreate_database(args.database_url)
        _run([sys.executable, "manage.py", "migrate", "--noinput"], env)
        counts = seed(
            args.database_url,
            faculty=args.faculty,
            students=args.students,
            attendance=args.attendance,
        )
        print(f"seeded {counts} in {time.perf_counter() - t0:.1f}s", flush=True)
    return _token(env)


@contextlib.contextmanager
def serve(env: dict[str, str], *, workers: int, threads: int) -> Iterator[int]:
    """gunicorn on a free loopback port, stopped on exit; yields the port."""
    with serve_process(env, workers=workers, threads=threads) as (_, port):
        yield port


@contextlib.contextmanager
def serve_process(env: dict[str, str], *, workers: int, threads: int) -> Iterator[tuple[int, int]]:
    """As ``serve``; yields the gunicorn master's process id and the port."""
    port = free_port()
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "sih28.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            *(["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_for(port)
        yield gunicorn.pid, port
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)


def _cpu_ms_per_request(meter: Meter, before: dict[str, float], requests: int) -> dict[str, float]:
    after = meter()
    return {c: (after[c] - before[c]) * 1000 / max(1, requests) for c in after}


def _use_wrk(args: argparse.Namespace) -> bool:
    import shutil

    return args.driver == "wrk" or (args.driver == "auto" and shutil.which("wrk") is not None)


def endpoint(path: str, args: argparse.Namespace) -> str:
    """One of ``PATHS`` with its placeholders filled in."""
    return path.format(student=args.students // 2)


def drive_one(
    port: int,
    token: str,
    path: str,
    args: argparse.Namespace,
    *,
    share: float = 1.0,
    meter: Meter = cpu_by_component,
) -> dict:
    """Drive one endpoint with the configured driver, ``share`` of the configured load."""
    if _use_wrk(args):
        return drive_wrk(
            port,
            token,
            path,
            seconds=args.seconds * share,
            concurrency=args.concurrency,
            meter=meter,
        )
    return drive(
        port,
        token,
        path,
        requests=max(args.concurrency, int(args.requests * share)),
        concurrency=args.concurrency,
        meter=meter,
    )


def load(port: int, token: str, args: argparse.Namespace) -> list[dict]:
    """Drive every endpoint in turn; one result row per endpoint."""
    return [drive_one(port, token, endpoint(p, args), args) for p in PATHS]


def describe_load(args: argparse.Namespace) -> str:
    driver = (
        f"wrk, {args.seconds:g} s per endpoint"
        if _use_wrk(args)
        else f"Python threads, {args.requests} requests per endpoint"
    )
    return (
        f"gunicorn {args.workers} workers x {args.threads} threads, concurrency "
        f"{args.concurrency}, {driver}, PostgreSQL + Redis"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/sih28_apiload"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--faculty", type=int, default=5_000)
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--attendance", type=int, default=1_000_000)
    parser.add_argument(
        "--requests",
        type=int,
        default=1_200,
        help="per endpoint (and per server, when layers are compared)",
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per gunicorn worker (1: sync worker semantics)",
    )
    parser.add_argument("--skip-seed", action="store_true", help="reuse the seeded database")
    parser.add_argument(
        "--driver",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk when installed (auto), else Python threads",
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="per endpoint, with wrk")


def main(argv: list[str] | None = None) -> int:
    from benchmarks import api_layers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="turns each server takes per endpoint (the load is split)",
    )
    args = parser.parse_args(argv)
    env = base_env(args.database_url, args.redis_url)
    token = prepare(args, env)
    results = api_layers.compare(args, env, token)
    rows = results[api_layers.ALL_ON]

    print(f"\n{describe_load(args)}; every layer on")
    header = (
        f"{'endpoint':36} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6} | {'CPU ms per request: app':>23} {'db':>5} {'redis':>5}"
    )
    print(header)
    print("-" * len(header))
    for path, r in rows.items():
        cpu = r["cpu_ms"]
        print(
            f"{endpoint(path, args):36} {r['rps']:6.0f} {r['p50']:7.1f} {r['p95']:7.1f} "
            f"{r['p99']:7.1f} {r['errors']:6d} | {cpu['app']:23.2f} {cpu['db']:5.2f} "
            f"{cpu['redis']:5.2f}"
        )
    api_layers.print_table(results, args)
    errors = sum(r["errors"] for by_path in results.values() for r in by_path.values())
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
