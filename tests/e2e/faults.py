"""Throwaway real services for the fault drills, started and stopped by the drills alone.

- :class:`RedisServer`: a ``redis-server`` of its own on a free port (no persistence).
- :class:`PostgresCluster`: a PostgreSQL cluster of its own (``initdb`` into a temporary
  folder, ``pg_ctl`` on a free port; run as the ``postgres`` user when the tests run as
  root), with one database prepared once (migrated, the sample institution imported, its
  timetable generated and published, an admin) and copied per drill (``CREATE DATABASE ...
  TEMPLATE``).
- :class:`AppServer`: the app behind gunicorn (one worker, four threads), and
  :func:`celery_worker` for a worker, both on those services.
- :class:`Traffic`: a bounded mix of reads, logins and attendance marks from a few
  threads, recording every answer.

The machine's shared PostgreSQL and Redis are never touched: every port here is new.
"""

from __future__ import annotations

import datetime as dt
import glob
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ADMIN = {"username": "drill-admin", "password": "drill-pass-4821!"}
ENV_DROP = {"DATABASE_URL", "REDIS_URL", "SENTRY_DSN", "LOG_DIR", "DEBUG", "SECRET_KEY"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], Any], timeout: float, what: str, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(every)


def app_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_DROP}
    env.update(
        ENV_FILE="",
        SECRET_KEY="drill-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DEBUG="0",
        SENTRY_DSN="",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
        THROTTLE_AUTH="100000/minute",  # the mix logs in often; throttling is not drilled
        GENERATION_WORKERS="1",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}")
    return result.stdout


# --- Redis ------------------------------------------------------------------------------


def redis_skip_reason() -> str | None:
    if shutil.which("redis-server") is None:
        return "needs redis-server (apt-get install redis-server) to run a Redis of its own"
    return None


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        log = (self.workdir / "redis.log").open("ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.workdir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_until(self.ping, 10, "redis-server answering PING")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


# --- PostgreSQL -------------------------------------------------------------------------


def postgres_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    return None


def postgres_skip_reason() -> str | None:
    if postgres_bindir() is None:
        return "needs PostgreSQL's server binaries (initdb, pg_ctl) to run a cluster of its own"
    if os.geteuid() == 0 and (shutil.which("runuser") is None or not _user_exists("postgres")):
        return "running as root: needs a 'postgres' user and runuser to start PostgreSQL"
    return None


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


class PostgresCluster:
    TEMPLATE = "drill_template"

    def __init__(self) -> None:
        bindir = postgres_bindir()
        assert bindir is not None
        self.bindir = bindir
        self.workdir = Path(tempfile.mkdtemp(prefix="sih28-pg-"))
        self.workdir.chmod(0o755)
        self.data = self.workdir / "data"
        self.port = free_port()
        self.copies = 0

    def _owned(self, cmd: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd

    def _run(self, cmd: list[str], timeout: float = 60) -> None:
        subprocess.run(self._owned(cmd), check=True, capture_output=True, timeout=timeout)

    def init(self) -> None:
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(self.workdir, "postgres", "postgres")
        self._run(
            [str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"]
            + ["-E", "UTF8", "--no-sync"]
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off"
        )
        self._run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.workdir / "pg.log")]
            + ["-w", "-t", "60", "-o", options, "start"],
            timeout=90,
        )

    def stop(self) -> None:
        self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def sql(self, statement: str, db: str = "postgres") -> str:
        result = subprocess.run(
            [str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
            + ["-d", db, "-At", "-c", statement],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return result.stdout.strip()

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def prepare_template(self, logs: Path) -> None:
        """Migrate, import the sample institution, generate and publish its timetable
        and add the drills' admin, once; each drill copies the result."""
        self.sql(f"CREATE DATABASE {self.TEMPLATE}")
        env = app_env(DATABASE_URL=self.url(self.TEMPLATE), LOG_DIR=str(logs))
        manage(env, "migrate", "--noinput")
        manage(env, "import_csv", "--dir", "imports/sample")
        manage(env, "generate_timetable", "--time-limit", "3", "--publish")
        manage(
            env,
            "shell",
            "-c",
            "from academics.models import User; "
            f"User.objects.create_user(username={ADMIN['username']!r}, "
            f"password={ADMIN['password']!r}, role='admin')",
        )

    def copy(self) -> str:
        """A fresh database copied from the template; returns its URL."""
        self.copies += 1
        name = f"drill_{self.copies}"
        self.sql(f"CREATE DATABASE {name} TEMPLATE {self.TEMPLATE}")
        return self.url(name)

    def destroy(self) -> None:
        try:
            self.stop()
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pass  # already stopped
        shutil.rmtree(self.workdir, ignore_errors=True)


# --- the app and a worker ---------------------------------------------------------------


class AppServer:
    """The app behind gunicorn on a free port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> AppServer:
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "sih28.wsgi:application"]
            + ["--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "4"]
            + ["--worker-class", "gthread", "--timeout", "120", "--graceful-timeout", "3"],
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        wait_until(lambda: self.call("GET", "/healthz").status in (200, 503), 60, "app up")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        token: str | None = None,
        timeout: float = 30,
    ) -> Answer:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            response = conn.getresponse()
            raw = response.read().decode("utf-8", "replace")
            status = response.status
        except OSError as exc:
            raw, status = f"{type(exc).__name__}: {exc}", 0
        finally:
            conn.close()
        return Answer(method, path, status, raw, started, time.monotonic() - started)

    def login(self) -> str:
        answer = self.call("POST", "/api/auth/token/", ADMIN)
        assert answer.status == 200, answer
        return answer.json()["token"]


def celery_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "sih28", "worker", "--pool=prefork"]
        + ["--concurrency=1", "--loglevel=INFO", "-n", f"drill-{free_port()}@%h"]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    out.close()
    wait_until(lambda: " ready." in log.read_text(errors="replace"), 60, "celery worker ready")
    return proc


def stop_process_group(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


# --- traffic ----------------------------------------------------------------------------


@dataclass
class Answer:
    method: str
    path: str
    status: int
    body: str
    at: float  # monotonic start
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def kind(self) -> str:
        return f"{self.method} {self.path.split('?')[0]}"


def attendance_targets(app: AppServer, token: str, count: int) -> list[dict[str, Any]]:
    """``count`` distinct (slot, date, student) marks on published slots, each date a past
    day of the slot's weekday."""
    slots = app.call("GET", "/api/timetable-slots/?page_size=50", token=token).json()["results"]
    first_student: dict[str, int] = {}
    for code in {slot["batch_code"] for slot in slots}:
        page = app.call("GET", f"/api/students/?batch={code}", token=token).json()
        if page["results"]:
            first_student[code] = page["results"][0]["id"]
    slots = [slot for slot in slots if slot["batch_code"] in first_student]
    today = dt.date.today()
    targets = []
    for i in range(count):
        slot = slots[i % len(slots)]
        last = today - dt.timedelta(days=(today.weekday() - slot["day"]) % 7 or 7)
        date = last - dt.timedelta(weeks=i // len(slots))
        student = first_student[slot["batch_code"]]
        targets.append({"slot": slot["id"], "date": date.isoformat(), "student": student})
    return targets


@dataclass
class Traffic:
    """Reads, logins and attendance marks from a few threads until stopped (bounded)."""

    app: AppServer
    token: str
    marks: list[dict[str, Any]]
    threads: int = 3
    max_seconds: float = 120
    mark_every_s: float = 0.4  # attendance marks keep coming through the whole drill
    answers: list[Answer] = field(default_factory=list)
    marked: list[dict[str, Any]] = field(default_factory=list)  # answered 201

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []

    def _record(self, answer: Answer) -> None:
        with self._lock:
            self.answers.append(answer)

    def _loop(self, index: int) -> None:
        deadline = time.monotonic() + self.max_seconds
        step = 0
        last_mark = 0.0
        while not self._stop.is_set() and time.monotonic() < deadline:
            step += 1
            if index == 0 and time.monotonic() - last_mark >= self.mark_every_s:
                last_mark = time.monotonic()
                with self._lock:
                    mark = self.marks.pop() if self.marks else None
                if mark is not None:
                    body = {
                        "slot": mark["slot"],
                        "date": mark["date"],
                        "entries": [{"student": mark["student"], "status": "present"}],
                    }
                    answer = self.app.call("POST", "/api/attendance/", body, self.token)
                    self._record(answer)
                    if answer.status == 201:
                        with self._lock:
                            self.marked.append(mark)
            elif index == 1 and step % 2 == 0:
                self._record(self.app.call("POST", "/api/auth/token/", ADMIN))
            else:
                path = ["/api/rooms/", "/api/timetable-slots/", "/api/generation-jobs/"][step % 3]
                self._record(self.app.call("GET", path, token=self.token))
            time.sleep(0.05)

    def start(self) -> Traffic:
        for i in range(self.threads):
            thread = threading.Thread(target=self._loop, args=(i,), daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._workers:
            thread.join(60)

    def between(self, start: float, end: float) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if start <= a.at < end]

    def first_ok_after(self, moment: float, kind: str) -> Answer | None:
        with self._lock:
            ok = [a for a in self.answers if a.at >= moment and a.kind == kind and a.status < 400]
        return min(ok, key=lambda a: a.at) if ok else None


def assert_no_500(answers: list[Answer]) -> None:
    """No 5xx but 503, no answer that is not JSON or carries a traceback, no dropped
    connection."""
    bad = [
        a
        for a in answers
        if a.status == 0 or (a.status >= 500 and a.status != 503) or "Traceback" in a.body
    ]
    assert not bad, [(a.kind, a.status, a.body[:200]) for a in bad[:5]]
    for a in answers:
        if a.status >= 400:
            assert isinstance(a.json(), dict), (a.kind, a.status, a.body[:200])


def assert_no_lost_attendance(app: AppServer, token: str, marked: list[dict[str, Any]]) -> None:
    for mark in marked:
        found = app.call(
            "GET", f"/api/attendance/?slot={mark['slot']}&date={mark['date']}", token=token
        ).json()
        assert any(r["student"] == mark["student"] for r in found["results"]), mark


def report(name: str, **figures: Any) -> None:
    """One line per drill on stdout (``pytest -s``) and in the drill log."""
    line = f"DRILL {name}: " + ", ".join(f"{k}={v}" for k, v in figures.items())
    print(line)
    with (ROOT / "logs" / "drills.log").open("a") as out:
        out.write(f"{dt.datetime.now().isoformat(timespec='seconds')} {line}\n")
