"""Where the Sentry SDK's time goes on an API request, option by option, counted rather
than timed: the Python bytecode instructions a request executes (all of them, and those
inside the SDK), with the SDK off, as SIH28 configures it, and with each of its choices
undone. Counts do not move with the load of the machine, so one short run is enough to
see what each option pays; ``benchmarks.sentry_overhead`` measures the throughput itself.

    python -m benchmarks.sentry_cost [--requests 5] [api_load options]

Runs the ``benchmarks.api_load`` endpoints in-process through the WSGI application (the
database that ``api_load`` seeds must exist: run it or ``sentry_overhead`` once), each
configuration in a fresh process. Events go to a transport that serializes and drops them.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
import subprocess
import sys
from typing import Any

from benchmarks import api_load
from sih28.sentry_sampling import TraceRates

#: name: what the configuration changes against SIH28's own (``init_sentry`` arguments).
VARIANTS: dict[str, str] = {
    "off": "the SDK not initialised (no DSN)",
    "errors only": "SENTRY_TRACES_SAMPLE_RATE=0: the project's errors-only configuration",
    "errors only, + Django integration": "DjangoIntegration (no transactions) binds requests",
    "errors only, no request sessions": "auto_session_tracking=False: no crash-free rates",
    "errors only, + Sentry Logs handler": "LoggingIntegration's default sentry_logs_level",
    "errors only, + Redis integration": "RedisIntegration added (a span + breadcrumb per command)",
    "errors only, + request log breadcrumbs": "the sih28.requests logger not ignored",
    "errors only, as before": "the first set-up: Django, Redis, request transactions, all",
    "tracing on, request not sampled": "the default rates, this read not sampled",
    "tracing on, + Django integration, not sampled": "the same with the Django integration",
    "tracing on, SDK logger at DEBUG, not sampled": "the SDK's logger left at its DEBUG level",
    "every request traced": "every rate 1.0",
    "every request traced, + Django integration": "the same with the Django integration",
}


class _DropTransport:
    """Serializes every envelope like a sending transport would, then drops it."""

    @staticmethod
    def make() -> Any:
        from sentry_sdk.transport import Transport

        class Drop(Transport):
            def capture_envelope(self, envelope: Any) -> None:
                envelope.serialize()

            def flush(self, timeout: float, callback: Any = None) -> None:
                return None

        return Drop


def _init(variant: str) -> None:
    import logging

    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.redis import RedisIntegration

    from sih28 import sentry as s
    from sih28.sentry_sampling import TraceRates

    if variant == "off":
        return
    dsn = "http://public@127.0.0.1:9/1"
    common = {"transport": _DropTransport.make(), "environment": "b", "release": "b"}
    rate = 0.0 if variant.startswith("errors only") else 0.2
    rates: TraceRates | None = None
    if variant.startswith("tracing on"):
        rates = dataclasses.replace(TraceRates(), reads=0.0)
    if variant.startswith("every request traced"):
        rate, rates = 1.0, TraceRates.uniform(1.0)
    extra: dict[str, Any] = {}
    base = s.sentry_integrations()
    quiet_django = {"middleware_spans": False, "signals_spans": False, "cache_spans": False}
    if variant == "errors only, + Django integration":
        extra["integrations"] = [
            DjangoIntegration(transaction_style="url", http_methods_to_capture=(), **quiet_django),
            *base,
        ]
    elif variant.endswith(("+ Django integration", "+ Django integration, not sampled")):
        extra["integrations"] = [DjangoIntegration(transaction_style="url", **quiet_django), *base]
    elif variant == "errors only, no request sessions":
        extra["auto_session_tracking"] = False
    elif variant == "errors only, + Sentry Logs handler":
        extra["integrations"] = [
            *base[:-1],
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ]
    elif variant == "errors only, + Redis integration":
        extra["integrations"] = [*base, RedisIntegration()]
    elif variant == "errors only, as before":
        extra["integrations"] = [
            DjangoIntegration(transaction_style="url", signals_spans=False),
            CeleryIntegration(propagate_traces=True, monitor_beat_tasks=True),
            RedisIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ]
        extra["auto_enabling_integrations"] = True
    if variant in ("errors only, + request log breadcrumbs", "errors only, as before"):
        extra["ignored_loggers"] = ()
    s.init_sentry(
        dsn=dsn,
        traces_sample_rate=rate,
        trace_rates=rates,
        profiles_sample_rate=0.0,
        **common,
        **extra,
    )
    assert sentry_sdk.get_client().is_active()
    if variant == "tracing on, SDK logger at DEBUG, not sampled":
        logging.getLogger(s.SDK_LOGGER).setLevel(logging.DEBUG)  # as the SDK leaves it


def _measure(variant: str, requests: int, students: int) -> tuple[float, float]:
    import django

    django.setup()
    _init(variant)
    from knox.models import AuthToken

    from academics.models import User
    from sih28.wsgi import application

    user, _ = User.objects.get_or_create(username="bench", defaults={"role": "admin"})
    # One token: the token lookup reads every token sharing the key's prefix, so tokens
    # left by earlier runs would make each configuration dearer than the one before.
    AuthToken.objects.filter(user=user).delete()
    token = AuthToken.objects.create(user=user)[1]
    paths = [p.format(student=students // 2) for p in api_load.PATHS]

    def call(path: str) -> None:
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Token {token}",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status: list[str] = []
        body = application(environ, lambda s, h, e=None: status.append(s))
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
        assert status[0].startswith("200"), status

    for _ in range(5):  # warm caches, connections, lazy imports
        for path in paths:
            call(path)
    counts = {"all": 0, "sdk": 0}

    def app_local(frame: Any, event: str, arg: Any) -> Any:
        if event == "opcode":
            counts["all"] += 1
        return app_local

    def sdk_local(frame: Any, event: str, arg: Any) -> Any:
        if event == "opcode":
            counts["all"] += 1
            counts["sdk"] += 1
        return sdk_local

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        name = frame.f_code.co_filename
        in_sdk = "sentry_sdk" in name or os.sep.join(("sih28", "sentry")) in name
        return sdk_local if in_sdk else app_local

    sys.settrace(tracer)
    try:
        for _ in range(requests):
            for path in paths:
                call(path)
    finally:
        sys.settrace(None)
    n = requests * len(paths)
    return counts["all"] / n, counts["sdk"] / n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    api_load.add_arguments(parser)
    parser.set_defaults(requests=5)
    parser.add_argument("--_variant", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._variant:
        total, sdk = _measure(args._variant, args.requests, args.students)
        print(f"RESULT {total:.0f} {sdk:.0f}")
        return 0
    env = {
        **api_load.base_env(args.database_url, args.redis_url),
        "PYTHONPATH": str(api_load.ROOT),
    }
    if not api_load.database_is_seeded(args.database_url):
        raise SystemExit(f"seed {args.database_url} first: python -m benchmarks.api_load")
    rows = []
    for variant in VARIANTS:
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.sentry_cost", "--_variant", variant,
             "--requests", str(args.requests), "--students", str(args.students)],
            cwd=api_load.ROOT, env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        total, sdk = (float(x) for x in out.split("RESULT", 1)[1].split())
        rows.append((variant, total, sdk))
        print(f"  {variant}: {total:.0f}", file=sys.stderr, flush=True)
    base = rows[0][1]
    print(
        f"\nPython bytecode instructions per API request ({args.requests} x "
        f"{len(api_load.PATHS)} endpoints of api_load, in-process)"
    )
    header = f"{'configuration':46} {'per request':>11} {'vs off':>7} {'in the SDK':>10}  what"
    print(header)
    print("-" * (len(header) + 40))
    for variant, total, sdk in rows:
        print(f"{variant:46} {total:11.0f} {total / base:7.3f} {sdk:10.0f}  {VARIANTS[variant]}")
    # The default: reads sampled at the read rate, i.e. that share of requests costs "traced".
    by_name = {variant: (total, sdk) for variant, total, sdk in rows}
    rate = TraceRates().reads
    for label, quiet_name, traced_name in [
        (f"default (reads traced at {rate:g})", "tracing on, request not sampled",
         "every request traced"),
        ("default, + Django integration", "tracing on, + Django integration, not sampled",
         "every request traced, + Django integration"),
    ]:  # fmt: skip
        quiet, traced = by_name[quiet_name], by_name[traced_name]
        total, sdk = ((1 - rate) * q + rate * t for q, t in zip(quiet, traced, strict=True))
        print(f"{label:46} {total:11.0f} {total / base:7.3f} {sdk:10.0f}  expected from two above")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
