"""Each API speed-up layer switched off and on, in one run of ``benchmarks.api_load``.

One gunicorn serves with every layer on, and one per layer with exactly that layer off
(``Layer.setting`` set to ``0`` in its environment: a Django setting, nothing patched). All
servers run side by side on the seeded database and take turns endpoint by endpoint, the
order reversed every round, so a slow moment of the shared machine falls on every mode.

CPU per request is measured per server: its gunicorn processes, the PostgreSQL backends
that serve it (found by their ``application_name``) and the Redis server (shared, but only
one server is driven at a time).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks import api_load

ALL_ON = "all on"


@dataclass(frozen=True)
class Layer:
    """A speed-up layer: the setting that switches it off and the endpoints it aims at."""

    name: str
    setting: str
    targets: tuple[str, ...]


LAYERS = (
    Layer("list pages from .values()", "API_LIST_FROM_VALUES", tuple(api_load.PATHS)),
    Layer("page count shortcuts", "API_COUNT_CACHE_SECONDS", tuple(api_load.PATHS)),
)

#: A layer pays for itself when it cuts CPU per request on its targets by at least this.
MIN_SAVING = 0.10


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its children (a gunicorn master and its workers)."""
    total = api_load.process_cpu(Path(f"/proc/{pid}/stat"))[1]
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in children:
        with contextlib.suppress(OSError):
            total += api_load.process_cpu(Path(f"/proc/{child}/stat"))[1]
    return total


class ServerMeter:
    """CPU seconds so far of one server's processes, its database backends and Redis."""

    def __init__(self, pid: int, application_name: str, monitor) -> None:
        self.pid = pid
        self.application_name = application_name
        self.monitor = monitor

    def _backends(self) -> float:
        with self.monitor.cursor() as cur:
            cur.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                [self.application_name],
            )
            pids = [pid for (pid,) in cur.fetchall()]
        total = 0.0
        for pid in pids:
            with contextlib.suppress(OSError):
                total += api_load.process_cpu(Path(f"/proc/{pid}/stat"))[1]
        return total

    def __call__(self) -> dict[str, float]:
        return {
            "app": _tree_cpu(self.pid),
            "db": self._backends(),
            "redis": api_load.cpu_by_component()["redis"],
        }


def _mode_env(env: dict[str, str], database_url: str, mode: str) -> dict[str, str]:
    name = "bench-" + "".join(c if c.isalnum() else "-" for c in mode)
    joiner = "&" if "?" in database_url else "?"
    mode_env = dict(
        env, DB_CONN_MAX_AGE="3600", DATABASE_URL=f"{database_url}{joiner}application_name={name}"
    )
    for layer in LAYERS:
        if layer.name == mode:
            mode_env[layer.setting] = "0"
    return mode_env


def _merge(rows: list[dict]) -> dict:
    """Rounds of one mode and endpoint: CPU per request over all requests, median p95."""
    n = sum(r["n"] for r in rows)
    return {
        "n": n,
        "errors": sum(r["errors"] for r in rows),
        "rps": statistics.median(r["rps"] for r in rows),
        **{q: statistics.median(r[q] for r in rows) for q in ("p50", "p95", "p99")},
        "cpu_ms": {c: sum(r["cpu_ms"][c] * r["n"] for r in rows) / n for c in rows[0]["cpu_ms"]},
    }


def compare(args: argparse.Namespace, env: dict[str, str], token: str) -> dict[str, dict]:
    """Every mode's merged result per endpoint: ``{mode: {path template: row}}``."""
    import psycopg2

    modes = [ALL_ON, *(layer.name for layer in LAYERS)]
    raw: dict[str, dict[str, list[dict]]] = {m: {p: [] for p in api_load.PATHS} for m in modes}
    monitor = psycopg2.connect(args.database_url)
    monitor.autocommit = True
    with contextlib.ExitStack() as stack:
        meters, ports = {}, {}
        for mode in modes:
            mode_env = _mode_env(env, args.database_url, mode)
            pid, ports[mode] = stack.enter_context(
                api_load.serve_process(mode_env, workers=args.workers, threads=args.threads)
            )
            name = mode_env["DATABASE_URL"].rsplit("=", 1)[1]
            meters[mode] = ServerMeter(pid, name, monitor)
        for round_ in range(args.rounds):
            order = modes if round_ % 2 == 0 else modes[::-1]
            for path in api_load.PATHS:
                for mode in order:
                    row = api_load.drive_one(
                        ports[mode],
                        token,
                        api_load.endpoint(path, args),
                        args,
                        share=1 / args.rounds,
                        meter=meters[mode],
                    )
                    raw[mode][path].append(row)
            print(f"round {round_ + 1} of {args.rounds} done", file=sys.stderr, flush=True)
    monitor.close()
    return {m: {p: _merge(rows) for p, rows in by_path.items()} for m, by_path in raw.items()}


def _total(row: dict) -> float:
    return sum(row["cpu_ms"].values())


def saving(layer: Layer, results: dict[str, dict]) -> float:
    """The share of CPU per request the layer saves on its target endpoints."""
    off = sum(_total(results[layer.name][p]) for p in layer.targets)
    on = sum(_total(results[ALL_ON][p]) for p in layer.targets)
    return 1 - on / off


def print_table(results: dict[str, dict], args: argparse.Namespace) -> None:
    print(
        f"\nLayers off and on, {args.rounds} interleaved rounds; CPU ms per request = "
        "server + its database backends + Redis (app / db parts in brackets)"
    )
    header = (
        f"{'layer':27} {'endpoint':36} {'CPU off':>20} {'CPU on':>20} {'on/off':>6} "
        f"{'p95 off':>8} {'p95 on':>7}"
    )
    print(header)
    print("-" * len(header))
    for layer in LAYERS:
        for path in layer.targets:
            off, on = results[layer.name][path], results[ALL_ON][path]
            print(
                f"{layer.name:27} {api_load.endpoint(path, args):36} "
                f"{_total(off):6.2f} ({off['cpu_ms']['app']:5.2f}/{off['cpu_ms']['db']:5.2f}) "
                f"{_total(on):6.2f} ({on['cpu_ms']['app']:5.2f}/{on['cpu_ms']['db']:5.2f}) "
                f"{_total(on) / _total(off):6.3f} {off['p95']:8.1f} {on['p95']:7.1f}"
            )
        cut = saving(layer, results)
        verdict = "pays" if cut >= MIN_SAVING else f"does not pay (< {MIN_SAVING:.0%})"
        print(f"{layer.name:27} {'targets together':36} saves {cut:6.1%} of CPU: {verdict}")
