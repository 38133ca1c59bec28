"""What does Sentry cost an API request? The API load of ``benchmarks.api_load`` with the
SDK off, errors only, the default tracing (by kind of work: reads at 0.02) and every
request traced to a local receiver, and every request traced with the receiver down.

    python -m benchmarks.sentry_overhead [--rounds 2] [--seconds 5] [--modes off,default]
                                         [api_load options]

Each mode is a fresh gunicorn (2 sync workers) on the PostgreSQL database that
``benchmarks.api_load`` seeds (seeded here first when it is empty), driven endpoint by
endpoint at concurrency 8, exactly as ``api_load`` does; the modes differ only in
``SENTRY_DSN`` and the ``SENTRY_TRACES_*`` rates. Modes run interleaved for ``--rounds``
rounds and the median is kept. The receiver is a separate, minimal HTTP process that
accepts envelopes; its own CPU time is reported, because on this one machine it competes
with the server for the same cores (a real Sentry runs elsewhere).

Prints requests per second and p95 per mode, the ratios against "off", and the targets:
throughput ratio >= 0.92 errors only and >= 0.88 with the default tracing, p95 ratio <= 1.1
with the receiver down.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import api_load

#: Every trace rate at 1.0 (``SENTRY_TRACES_*``): every request traced.
ALL_TRACED = {
    "SENTRY_TRACES_SAMPLE_RATE": "1.0",
    "SENTRY_TRACES_GENERATION_RATE": "1.0",
    "SENTRY_TRACES_WRITE_RATE": "1.0",
    "SENTRY_TRACES_READ_RATE": "1.0",
}
MODES: dict[str, tuple[str | None, dict[str, str]]] = {
    # name: (receiver, trace-rate variables; unset ones keep the project's defaults)
    "off": (None, {}),
    "errors only": ("up", {"SENTRY_TRACES_SAMPLE_RATE": "0"}),
    "default": ("up", {}),
    "traces 1.0": ("up", ALL_TRACED),
    "traces 1.0 receiver down": ("down", ALL_TRACED),
}


# --- the receiver (its own process): reads each envelope and answers 200 -------------------


async def _serve_receiver(port: int) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                    b"Content-Type: application/json\r\n\r\n{}"
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def _cpu_seconds(pid: int) -> float:
    return api_load.process_cpu(Path(f"/proc/{pid}/stat"))[1]


# --- the driver --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    api_load.add_arguments(parser)
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="run every mode this many times, interleaved; keep the median",
    )
    parser.add_argument(
        "--modes",
        default=",".join(MODES),
        help="comma-separated modes to run ('off' always runs: ratios are against it)",
    )
    parser.add_argument("--_receiver", type=int, help=argparse.SUPPRESS)
    parser.set_defaults(seconds=5.0)
    args = parser.parse_args(argv)
    if args._receiver:
        asyncio.run(_serve_receiver(args._receiver))
        return 0

    unknown = set(args.modes.split(",")) - set(MODES)
    if unknown:
        parser.error(f"unknown modes {sorted(unknown)}; modes: {', '.join(MODES)}")
    modes = {m: MODES[m] for m in MODES if m == "off" or m in args.modes.split(",")}
    env = api_load.base_env(args.database_url, args.redis_url)
    args.skip_seed = args.skip_seed or api_load.database_is_seeded(args.database_url)
    token = api_load.prepare(args, env)
    up_port, down_port = api_load.free_port(), api_load.free_port()
    receiver = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.sentry_overhead", "--_receiver", str(up_port)],
        cwd=api_load.ROOT,
    )
    results: dict[str, list[dict]] = {m: [] for m in modes}
    try:
        time.sleep(0.5)
        for round_ in range(args.rounds):
            for mode, (receiver_state, rates) in modes.items():
                port = {"up": up_port, "down": down_port}.get(receiver_state or "")
                mode_env = {k: v for k, v in env.items() if not k.startswith("SENTRY_TRACES_")}
                mode_env.update(rates)
                mode_env = dict(
                    mode_env,
                    SENTRY_DSN=f"http://public@127.0.0.1:{port}/1" if port else "",
                    SENTRY_PROFILES_SAMPLE_RATE="0",
                    SENTRY_ENVIRONMENT="benchmark",
                    SENTRY_RELEASE="sih28@benchmark",
                )
                receiver_cpu = _cpu_seconds(receiver.pid)
                started = time.perf_counter()
                with api_load.serve(
                    mode_env, workers=args.workers, threads=args.threads
                ) as server_port:
                    rows = api_load.load(server_port, token, args)
                elapsed = time.perf_counter() - started
                results[mode].append(
                    {
                        "rps": sum(r["n"] for r in rows) / sum(r["n"] / r["rps"] for r in rows),
                        "p95": {r["path"]: r["p95"] for r in rows},
                        "errors": sum(r["errors"] for r in rows),
                        "app_cpu_ms": sum(r["cpu_ms"]["app"] * r["n"] for r in rows)
                        / sum(r["n"] for r in rows),
                        "receiver_cpu_share": (_cpu_seconds(receiver.pid) - receiver_cpu)
                        / elapsed
                        / (os.cpu_count() or 1),
                    }
                )
                print(
                    f"round {round_ + 1} {mode:28} {results[mode][-1]['rps']:7.0f} req/s",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        receiver.terminate()
        receiver.wait(10)

    paths = list(results["off"][0]["p95"])

    def median_rps(mode: str) -> float:
        return statistics.median(r["rps"] for r in results[mode])

    def median_p95(mode: str, path: str) -> float:
        return statistics.median(r["p95"][path] for r in results[mode])

    print(
        f"\nSentry overhead on the API load: {api_load.describe_load(args)}; "
        f"median of {args.rounds} interleaved rounds; {os.cpu_count()} CPUs shared by "
        f"server, database, load generator and receiver"
    )
    short = {p: p.split("/api/")[1][:18] for p in paths}
    header = (
        f"{'mode':28} {'req/s':>7} {'ratio':>6} "
        + " ".join(f"{'p95 ' + short[p]:>23}" for p in paths)
        + f" {'p95 ratio':>9} {'app CPU':>9} {'receiver':>8}"
    )
    print(header)
    print("-" * len(header))
    base_rps = median_rps("off")
    ratios: dict[str, tuple[float, float]] = {}
    for mode in modes:
        rps = median_rps(mode)
        p95_ratio = max(median_p95(mode, p) / median_p95("off", p) for p in paths)
        ratios[mode] = (rps / base_rps, p95_ratio)
        share = statistics.median(r["receiver_cpu_share"] for r in results[mode])
        app_ms = statistics.median(r["app_cpu_ms"] for r in results[mode])
        print(
            f"{mode:28} {rps:7.0f} {rps / base_rps:6.3f} "
            + " ".join(f"{median_p95(mode, p):20.1f} ms" for p in paths)
            + f" {p95_ratio:9.3f} {app_ms:6.2f} ms {share:7.1%}"
        )
    print(
        "\nratio: requests per second against 'off' (all endpoints); p95 ratio: the worst "
        "endpoint's p95 against 'off';\napp CPU: CPU time of the gunicorn processes per "
        "request (the SDK's own cost is the difference to 'off');\nreceiver: the receiver "
        "process's share of the machine's CPU while the mode ran."
    )
    for mode, target in (("errors only", 0.92), ("default", 0.88)):
        if mode in ratios:
            print(f"target throughput ratio >= {target:.2f} {mode:16}    {ratios[mode][0]:.3f}")
    if {"traces 1.0", "traces 1.0 receiver down"} <= set(modes):
        down_vs_up = max(
            median_p95("traces 1.0 receiver down", p) / median_p95("traces 1.0", p) for p in paths
        )
        print(
            f"target p95 ratio <= 1.10 with the receiver down:   {down_vs_up:.3f} against "
            f"the same tracing with the receiver up, "
            f"{ratios['traces 1.0 receiver down'][1]:.3f} against 'off'"
        )
    errors = sum(r["errors"] for mode in modes for r in results[mode])
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
