"""Sentry test tools: the REAL SDK with a recording transport, a local envelope receiver
(an HTTP server speaking the ingest endpoint), a WSGI caller and a Celery worker process."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sentry_sdk
from django.core import signals
from django.db import close_old_connections
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from sih28.sentry import init_sentry
from sih28.wsgi import application  # imported once, here: see wsgi_request

ROOT = Path(__file__).resolve().parents[2]
FAKE_DSN = "http://public@127.0.0.1:9/1"


# --- in-process: a recording transport -------------------------------------------------


class RecordingTransport(Transport):
    """Keeps every envelope the SDK would send; sends nothing."""

    envelopes: list[Envelope]

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    def flush(self, timeout: float, callback: Any = None) -> None:
        return None

    # What the tests read ------------------------------------------------------------
    def items(self, kind: str) -> list[dict[str, Any]]:
        out = []
        for envelope in self.envelopes:
            for item in envelope.items:
                if item.type == kind and item.payload.json is not None:
                    out.append(item.payload.json)
        return out

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.items("event")

    @property
    def transactions(self) -> list[dict[str, Any]]:
        return self.items("transaction")

    def raw(self) -> str:
        """Everything recorded, as one string, to search for secrets."""
        return "\n".join(
            json.dumps(item.payload.json, default=str)
            for envelope in self.envelopes
            for item in envelope.items
            if item.payload.json is not None
        )

    def clear(self) -> None:
        self.envelopes.clear()


def sentry_off() -> None:
    """Back to the state of a process without a DSN: a non-recording client."""
    client = sentry_sdk.get_client()
    if client.is_active():
        client.close(timeout=2)
    sentry_sdk.get_global_scope().set_client(None)


def _recording(settings, traces_sample_rate: float) -> Iterator[RecordingTransport]:
    """The project's own ``init_sentry`` with a recording transport, in a scope of its own."""
    settings.SENTRY_DSN = FAKE_DSN
    init_sentry(
        dsn=FAKE_DSN,
        environment="test",
        release="sih28@test",
        traces_sample_rate=traces_sample_rate,
        profiles_sample_rate=0.0,
        transport=RecordingTransport,
    )
    transport = sentry_sdk.get_client().transport
    assert isinstance(transport, RecordingTransport)
    with sentry_sdk.isolation_scope(), sentry_sdk.new_scope():
        yield transport
    sentry_off()


@pytest.fixture
def sentry(settings) -> Iterator[RecordingTransport]:
    """Every trace sampled."""
    yield from _recording(settings, 1.0)


# --- WSGI: the real handler, so the Django integration starts its transaction -------------


def wsgi_request(
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: dict | None = None,
    content_type: str = "application/json",
) -> tuple[int, dict, bytes]:
    """Call ``sih28.wsgi.application`` like a server would (the test client bypasses the
    WSGI handler that the Sentry Django integration wraps). The application is imported at
    the top of this module: building it runs django.setup(), which re-applies LOGGING and
    would drop handlers that tests add to loggers."""
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_HOST": "testserver",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": content_type,
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    status: list[str] = []
    response_headers: dict[str, str] = {}

    def start_response(s: str, h: list[tuple[str, str]], exc_info: Any = None) -> None:
        status.append(s)
        response_headers.update(h)

    # Like Django's test client: keep the test's database connection open across the
    # request (the handler's request_started/finished signals would close it).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        chunks = application(environ, start_response)
        try:
            content = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return int(status[0].split()[0]), response_headers, content


# --- across processes: a real HTTP receiver for envelopes --------------------------------


def parse_envelope(body: bytes) -> list[tuple[dict, Any]]:
    """``[(item header, payload)]`` of a Sentry envelope (JSON payloads decoded)."""
    stream = io.BytesIO(body)
    stream.readline()  # envelope header
    items = []
    while True:
        line = stream.readline()
        if not line.strip():
            if not line:
                break
            continue
        header = json.loads(line)
        length = header.get("length")
        if length is not None:
            payload = stream.read(length)
            stream.readline()
        else:
            payload = stream.readline().rstrip(b"\n")
        try:
            items.append((header, json.loads(payload)))
        except ValueError:
            items.append((header, payload))
    return items


class EnvelopeReceiver:
    """Accepts ``POST /api/<project>/envelope/`` like a Sentry server and records the items."""

    def __init__(self) -> None:
        self.items: list[tuple[dict, Any]] = []
        self.requests: list[dict[str, str]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                encoding = (self.headers.get("Content-Encoding") or "").lower()
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                elif encoding == "br":
                    import brotli

                    body = brotli.decompress(body)
                with receiver._lock:
                    receiver.requests.append(
                        {"path": self.path, "auth": self.headers.get("X-Sentry-Auth", "")}
                    )
                    if "/envelope/" in self.path:
                        receiver.items.extend(parse_envelope(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"id": "%s"}' % uuid.uuid4().hex.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.dsn = f"http://public@127.0.0.1:{self.port}/1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            return [p for h, p in self.items if h.get("type") == kind and isinstance(p, dict)]

    def wait_for(self, predicate: Any, timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = predicate(self)
            if found:
                return found
            time.sleep(0.1)
        return predicate(self)

    def __enter__(self) -> EnvelopeReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[EnvelopeReceiver]:
    with EnvelopeReceiver() as r:
        yield r


# --- a real Celery worker ------------------------------------------------------------------


def redis_available(url: str) -> bool:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


@contextlib.contextmanager
def celery_worker_process(
    env: dict[str, str], queue: str, *, log: Path
) -> Iterator[subprocess.Popen]:
    """``celery -A sih28 worker`` (prefork, one child) consuming ``queue``, until ready."""
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "sih28",
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--loglevel=INFO",
    ]
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline:
                if " ready." in log.read_text() or "ready." in log.read_text():
                    break
                if proc.poll() is not None:
                    raise RuntimeError("Celery worker exited:\n" + log.read_text()[-3000:])
                time.sleep(0.2)
            else:
                raise RuntimeError("Celery worker not ready:\n" + log.read_text()[-3000:])
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(5)


def dead_dsn() -> str:
    """A DSN on a local port nothing listens at (a Sentry that is down)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://public@127.0.0.1:{port}/1"


@pytest.fixture
def errors_only(settings) -> Iterator[RecordingTransport]:
    """Tracing off (SENTRY_TRACES_SAMPLE_RATE=0), the observability test URLs."""
    settings.ROOT_URLCONF = "tests.observability.urls"
    yield from _recording(settings, 0.0)
