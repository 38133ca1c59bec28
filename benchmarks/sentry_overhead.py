"""What does Sentry cost a request? The same API load with the SDK off, errors only, every
request traced to a local receiver, and traced with the receiver down.

    python -m benchmarks.sentry_overhead [--requests 2000] [--concurrency 4]

Each mode runs in a fresh process (the SDK is process-global) against one SQLite database
seeded with 200 faculty rows: token-authenticated ``GET /api/faculty/?page_size=50``
through the real WSGI application (so the Sentry Django integration wraps it exactly as
under gunicorn), from ``--concurrency`` threads. The receiver is a separate process that
accepts Sentry envelopes. Prints throughput and latency percentiles per mode and the
ratios against "off". Targets: throughput ratio >= 0.9 with traces at 1.0, and p95 ratio
<= 1.1 with the receiver down.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODES = {
    # name: (DSN kind, traces sample rate)
    "off": (None, 0.0),
    "errors only (traces 0)": ("up", 0.0),
    "traces 0.2 (the default)": ("up", 0.2),
    "traces 1.0 -> receiver": ("up", 1.0),
    "traces 1.0, receiver DOWN": ("down", 1.0),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the receiver (its own process) ---------------------------------------------------------


def run_receiver(port: int) -> None:
    count = {"envelopes": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            count["envelopes"] += 1
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


# --- one mode (its own process) -------------------------------------------------------------


def _django(db_path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sih28.settings")
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(db_path: str) -> None:
    _django(db_path)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from rest_framework.authtoken.models import Token

    from academics.models import Department, Faculty, User

    user = User.objects.create_user(username="bench", password="x", role="staff")
    Token.objects.create(user=user, key="b" * 40)
    dept = Department.objects.create(code="CSE", name="Computer Science")
    Faculty.objects.bulk_create(
        Faculty(employee_id=f"E{i:04d}", name=f"Teacher {i}", email=f"t{i}@example.edu",
                department=dept) for i in range(200))


def run_mode(db_path: str, requests: int, concurrency: int) -> dict:
    _django(db_path)
    import io

    from sih28.wsgi import application


    environ_base = {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/api/faculty/", "QUERY_STRING": "page_size=50",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": "Token " + "b" * 40, "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": True,
        "wsgi.multiprocess": False, "wsgi.run_once": False,
    }

    def one() -> tuple[float, float]:
        environ = dict(environ_base, **{"wsgi.input": io.BytesIO(b"")})
        status: list[str] = []
        started, cpu_started = time.perf_counter(), time.thread_time()
        body = application(environ, lambda s, h, e=None: status.append(s))
        b"".join(body)
        body.close()
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
        if not status[0].startswith("200"):
            raise RuntimeError(status[0])
        return elapsed, cpu

    for _ in range(100):  # warm-up: imports, connections, caches
        one()
    latencies: list[tuple[float, float]] = []
    lock = threading.Lock()
    per_thread = requests // concurrency

    def worker() -> None:
        mine = [one() for _ in range(per_thread)]
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started, cpu_started = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    import sentry_sdk

    client = sentry_sdk.get_client()
    flush_started = time.perf_counter()
    if client.is_active():
        client.flush(timeout=10)
    q = statistics.quantiles(sorted(w for w, _ in latencies), n=100)
    qc = statistics.quantiles(sorted(c for _, c in latencies), n=100)
    return {
        "active": client.is_active(),
        "requests": len(latencies),
        "throughput": len(latencies) / wall,
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        # CPU-based: immune to other processes competing for the machine's cores.
        "cpu_throughput": len(latencies) / cpu,
        "cpu_p95_ms": qc[94] * 1000,
        "flush_s": time.perf_counter() - flush_started,
    }


# --- the driver ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2,
                        help="run every mode this many times, interleaved; keep the median")
    parser.add_argument("--_mode", help=argparse.SUPPRESS)
    parser.add_argument("--_receiver", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--_seed", help=argparse.SUPPRESS)
    parser.add_argument("--_db", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._receiver:
        run_receiver(args._receiver)
        return
    if args._seed:
        seed(args._seed)
        return
    if args._mode:
        print(json.dumps(run_mode(args._db, args.requests, args.concurrency)))
        return

    base_env = {
        **os.environ, "SECRET_KEY": "benchmark-only", "DEBUG": "0", "REDIS_URL": "",
        "THROTTLE_USER": "100000000/minute", "LOG_LEVEL": "WARNING",
        "SENTRY_ENVIRONMENT": "benchmark", "SENTRY_RELEASE": "sih28@benchmark",
        "SENTRY_PROFILES_SAMPLE_RATE": "0",
    }
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.sqlite3")
        base_env["LOG_DIR"] = tmp
        subprocess.run([sys.executable, __file__, "--_seed", db], env=base_env, check=True)
        up_port, down_port = _free_port(), _free_port()
        receiver = subprocess.Popen([sys.executable, __file__, "--_receiver", str(up_port)])
        try:
            time.sleep(0.5)
            results: dict[str, list[dict]] = {m: [] for m in MODES}
            for _ in range(args.rounds):
                for mode, (dsn_kind, rate) in MODES.items():
                    port = {"up": up_port, "down": down_port}.get(dsn_kind)
                    env = dict(base_env, SENTRY_TRACES_SAMPLE_RATE=str(rate),
                               SENTRY_DSN=f"http://public@127.0.0.1:{port}/1" if port else "")
                    out = subprocess.run(
                        [sys.executable, __file__, "--_mode", mode, "--_db", db,
                         "--requests", str(args.requests),
                         "--concurrency", str(args.concurrency)],
                        env=env, check=True, capture_output=True, text=True)
                    results[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
        finally:
            receiver.terminate()
            receiver.wait(10)

    def med(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in results[mode])

    print(f"Sentry overhead: {args.requests} x GET /api/faculty/?page_size=50 (token auth, "
          f"SQLite, WSGI in-process), concurrency {args.concurrency}, median of "
          f"{args.rounds} interleaved rounds; python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print("wall: requests per second and latency as seen by the caller (noisy on a busy "
          "machine);\ncpu: requests per CPU-second of the whole process (SDK threads "
          "included) and p95 of the request thread's CPU time.")
    header = (f"{'mode':27} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'thr/off':>7} "
              f"{'p95/off':>7} | {'cpu r/s':>7} {'cpu p95':>7} {'thr/off':>7} {'p95/off':>7}")
    print(header)
    print("-" * len(header))
    base = {k: med("off", k) for k in ("throughput", "p95_ms", "cpu_throughput", "cpu_p95_ms")}
    ratios: dict[str, dict[str, float]] = {}
    for mode in MODES:
        m = {k: med(mode, k) for k in ("throughput", "p50_ms", "p95_ms", "cpu_throughput",
                                       "cpu_p95_ms")}
        r = ratios[mode] = {k: (m[k] / base[k]) for k in base}
        print(f"{mode:27} {m['throughput']:7.1f} {m['p50_ms']:7.2f} {m['p95_ms']:7.2f} "
              f"{r['throughput']:7.3f} {r['p95_ms']:7.3f} | {m['cpu_throughput']:7.1f} "
              f"{m['cpu_p95_ms']:7.2f} {r['cpu_throughput']:7.3f} {r['cpu_p95_ms']:7.3f}")
    traced = ratios["traces 1.0 -> receiver"]
    down = ratios["traces 1.0, receiver DOWN"]
    print()
    print(f"target throughput ratio >= 0.90 with traces at 1.0: wall {traced['throughput']:.3f}"
          f", cpu {traced['cpu_throughput']:.3f}")
    print(f"target p95 ratio <= 1.10 with the receiver down:   wall {down['p95_ms']:.3f}"
          f", cpu {down['cpu_p95_ms']:.3f}")


if __name__ == "__main__":
    main()
