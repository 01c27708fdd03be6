"""What `wildchat serve` adds to a streamed chat turn, compared with asking the upstream directly.

Starts the loopback upstream (tests/support/loopback_upstream.py: a fixed reply in 20 chunks,
--delay seconds apart) as a subprocess, then streams turns through the official `openai` SDK
(AsyncOpenAI) at each concurrency level, along three paths:

  direct      the client talks to the upstream itself
  sqlite      through `wildchat serve` with its default SQLite store
  postgresql  through `wildchat serve` on a fresh PostgreSQL schema (dropped afterwards; the row
              is skipped with a note when PostgreSQL is unreachable)

The paths take turns in rounds (--rounds), so that the machine's drift over the run reaches all of
them alike. Every reply is checked against the fixed text. Latency is the whole stream (request to
[DONE]); throughput is requests completed per second of wall time.
Run: python benchmarks/proxy_overhead.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Coroutine, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import openai
from rich.console import Console
from rich.table import Table

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # tests.support is not installed: run from a checkout

from tests.support.loopback_upstream import REPLY, REPLY_CHUNKS  # noqa: E402
from tests.support.processes import (  # noqa: E402
    ServiceProcess,
    consent,
    running_service,
    running_upstream,
)

DEFAULT_DELAY_S = 0.002
DEFAULT_CONCURRENCY = "1,32"
TARGET_ADDED_P50_MS = 2.0  # at concurrency 1, where latency is not queueing
TARGET_THROUGHPUT_RATIO = 0.80  # at the highest concurrency
PG_URL = os.environ.get(
    "WILDCHAT_BENCH_PG_URL",
    os.environ.get("WILDCHAT_TEST_PG_URL", "postgresql+psycopg://@127.0.0.1:5432/test"),
)
console = Console(width=None if sys.stdout.isatty() else 150)


@dataclass
class Row:
    path: str
    concurrency: int
    requests: int
    p50_ms: float
    p99_ms: float
    throughput_rps: float
    wrong_replies: int
    added_p50_ms: float | None = None
    added_p99_ms: float | None = None
    throughput_ratio: float | None = None
    service_cpu_ms: float | None = None  # CPU time of the wildchat process per measured turn


def default_requests(concurrency: int) -> int:
    return 300 if concurrency == 1 else 2000


# Each path's share of a round, at the least, in turns per concurrent client. A share starts with
# every client busy and ends draining (the last turns run with fewer and fewer in flight): over
# short shares the drain, which lasts about one turn and longer on a slower path, would be much of
# the wall time and bias throughput against the slower path.
MIN_SHARE_PER_CLIENT = 20


def rounds_for(requests: int, concurrency: int, rounds: int) -> int:
    return max(1, min(rounds, requests // (MIN_SHARE_PER_CLIENT * concurrency)))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))  # nearest rank
    return ordered[index]


async def one_turn(client: openai.AsyncOpenAI, number: int) -> tuple[float, bool]:
    started = time.perf_counter()
    stream = await client.chat.completions.create(
        model="loopback",
        messages=[{"role": "user", "content": f"benchmark turn {number}"}],
        stream=True,
    )
    reply = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    return time.perf_counter() - started, reply == REPLY


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Target:
    """One path to the upstream: the URL the client talks to, and the service process if any."""

    path: str
    base_url: str
    key: str
    pid: int | None = None


@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)
    wrong: int = 0
    wall_s: float = 0.0
    cpu_s: float | None = 0.0

    def row(self, path: str, concurrency: int) -> Row:
        requests = len(self.latencies)
        return Row(
            path=path,
            concurrency=concurrency,
            requests=requests,
            p50_ms=statistics.median(self.latencies) * 1000,
            p99_ms=percentile(self.latencies, 99) * 1000,
            throughput_rps=requests / self.wall_s,
            wrong_replies=self.wrong,
            service_cpu_ms=None if self.cpu_s is None else self.cpu_s / requests * 1000,
        )


async def run_turns(
    client: openai.AsyncOpenAI, concurrency: int, total: int, samples: Samples | None
) -> None:
    queue = iter(range(total))

    async def worker() -> None:
        for number in queue:
            seconds, right = await one_turn(client, number)
            if samples is not None:
                samples.latencies.append(seconds)
                samples.wrong += not right

    await asyncio.gather(*(worker() for _ in range(min(concurrency, total))))


async def measure_level(
    targets: list[Target], concurrency: int, requests: int, warmup: int, rounds: int
) -> list[Row]:
    """All paths at one concurrency, interleaved: `rounds` rounds, each giving every path its share
    of the requests in turn (the order reversed every other round), so that the machine's drift
    over the run (other processes, caches, CPU placement) reaches every path alike."""
    # The SDK's own HTTP client (a pool of up to 1,000 connections), as participants use it.
    clients = {
        t.path: openai.AsyncOpenAI(base_url=t.base_url, api_key=t.key, max_retries=0, timeout=60.0)
        for t in targets
    }
    samples = {t.path: Samples() for t in targets}
    try:
        for target in targets:
            await run_turns(clients[target.path], concurrency, warmup, None)
        for number in range(rounds):
            order = targets if number % 2 == 0 else targets[::-1]
            for target in order:
                share = requests // rounds + (number < requests % rounds)
                found = samples[target.path]
                cpu_before = cpu_seconds(target.pid) if target.pid else None
                started = time.perf_counter()
                await run_turns(clients[target.path], concurrency, share, found)
                found.wall_s += time.perf_counter() - started
                cpu_after = cpu_seconds(target.pid) if target.pid else None
                if found.cpu_s is not None and cpu_before is not None and cpu_after is not None:
                    found.cpu_s += cpu_after - cpu_before
                else:
                    found.cpu_s = None
    finally:
        for client in clients.values():
            await client.close()
    return [samples[t.path].row(t.path, concurrency) for t in targets]


def run_async(coroutine: Coroutine[Any, Any, list[Row]]) -> list[Row]:
    """uvloop when installed (as uvicorn uses it): the client should cost as little CPU as it can."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def measure_all(
    targets: list[Target], levels: list[int], requests: int | None, warmup: int, rounds: int
) -> list[Row]:
    rows = []
    for concurrency in levels:
        total = requests or default_requests(concurrency)
        warm = max(warmup, 2 * concurrency)
        level_rounds = rounds_for(total, concurrency, rounds)
        level = run_async(measure_level(targets, concurrency, total, warm, level_rounds))
        for row in level:
            cpu = "" if row.service_cpu_ms is None else f", service CPU {row.service_cpu_ms:.2f} ms/turn"
            console.print(
                f"  {row.path:<10} c={concurrency:<3} {row.requests} requests: p50 {row.p50_ms:.2f} ms, "
                f"p99 {row.p99_ms:.2f} ms, {row.throughput_rps:.0f} req/s{cpu}"
            )
        rows += level
    return rows


@contextmanager
def postgresql_schema() -> Iterator[str | None]:
    """A fresh schema's URL (None when PostgreSQL is unreachable), dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    schema = f"wc_bench_{secrets.token_hex(6)}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # unreachable, refused, no rights: skip the row
        console.print(f"[yellow]PostgreSQL at {PG_URL} is unavailable ({type(exc).__name__}); skipped[/]")
        admin.dispose()
        yield None
        return
    try:
        yield (
            make_url(PG_URL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def start_target(
    stack: ExitStack, path: str, workdir: Path, upstream_api_url: str, database_url: str | None
) -> tuple[Target, ServiceProcess]:
    service = stack.enter_context(
        running_service(
            workdir / path, upstream_api_url, log_dir=workdir / "logs", database_url=database_url, name=path
        )
    )
    return Target(path, service.api_url, new_key(service), service.pid), service


def report_service_errors(services: list[ServiceProcess]) -> None:
    for service in services:
        failures = [e for e in service.log_events() if e.get("level") in ("error", "critical")]
        if failures:
            console.print(
                f"[red]{service.name}: the service logged {len(failures)} errors, e.g. {failures[0]}[/]"
            )


def new_key(service: ServiceProcess) -> str:
    with httpx.Client(timeout=10) as client:
        return consent(client, service.url)


def compare(rows: list[Row]) -> None:
    direct = {r.concurrency: r for r in rows if r.path == "direct"}
    for row in rows:
        base = direct.get(row.concurrency)
        if row.path == "direct" or base is None:
            continue
        row.added_p50_ms = row.p50_ms - base.p50_ms
        row.added_p99_ms = row.p99_ms - base.p99_ms
        row.throughput_ratio = row.throughput_rps / base.throughput_rps


def verdicts(row: Row, levels: list[int]) -> tuple[str, str]:
    """(added-p50 verdict at concurrency 1, throughput verdict at the highest concurrency)."""
    if row.path == "direct":
        return "", ""
    latency = throughput = "—"
    if row.concurrency == min(levels) == 1 and row.added_p50_ms is not None:
        latency = "[green]pass[/]" if row.added_p50_ms <= TARGET_ADDED_P50_MS else "[red]fail[/]"
    if row.concurrency == max(levels) and row.throughput_ratio is not None:
        ok = row.throughput_ratio >= TARGET_THROUGHPUT_RATIO
        throughput = "[green]pass[/]" if ok else "[red]fail[/]"
    return latency, throughput


def render(rows: list[Row], levels: list[int], delay_s: float, notes: list[str]) -> Table:
    table = Table(
        title=f"wildchat proxy overhead — {REPLY_CHUNKS} chunks × {delay_s * 1000:g} ms, "
        f"{len(REPLY)} chars, {os.cpu_count()} CPUs",
        caption=f"targets: added p50 ≤ {TARGET_ADDED_P50_MS:g} ms (concurrency 1); throughput ≥ "
        f"{TARGET_THROUGHPUT_RATIO:.0%} of direct (concurrency {max(levels)}); CPU ms/turn: CPU time "
        "of the wildchat process per measured turn" + "".join(f"\n{note}" for note in notes),
    )
    for column in ("path", "conc.", "requests", "p50 ms", "p99 ms", "req/s"):
        table.add_column(column, justify="left" if column == "path" else "right")
    for column in ("+p50 ms", "+p99 ms", "req/s vs direct", "CPU ms/turn", "p50 target", "throughput target"):
        table.add_column(column, justify="right")
    for row in rows:
        latency, throughput = verdicts(row, levels)
        table.add_row(
            row.path + (f" [red]({row.wrong_replies} wrong replies)[/]" if row.wrong_replies else ""),
            str(row.concurrency),
            str(row.requests),
            f"{row.p50_ms:.2f}",
            f"{row.p99_ms:.2f}",
            f"{row.throughput_rps:.0f}",
            "" if row.added_p50_ms is None else f"{row.added_p50_ms:+.2f}",
            "" if row.added_p99_ms is None else f"{row.added_p99_ms:+.2f}",
            "" if row.throughput_ratio is None else f"{row.throughput_ratio:.0%}",
            "" if row.service_cpu_ms is None else f"{row.service_cpu_ms:.2f}",
            latency,
            throughput,
        )
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--requests", type=int, default=None, help="measured requests per level [300 at c=1, else 2000]"
    )
    parser.add_argument("--concurrency", default=DEFAULT_CONCURRENCY, help="comma-separated levels [1,32]")
    parser.add_argument(
        "--delay", type=float, default=DEFAULT_DELAY_S, help="upstream seconds between chunks [0.002]"
    )
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured requests first (at least 2×c)")
    parser.add_argument("--paths", default="direct,sqlite,postgresql", help="which paths to measure")
    parser.add_argument(
        "--rounds",
        type=int,
        default=10,
        help="rounds the paths take turns in, per level [10; fewer where a share would be under "
        f"{MIN_SHARE_PER_CLIENT} turns per client]",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    levels = sorted({int(c) for c in args.concurrency.split(",") if c.strip()})
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    notes: list[str] = []
    rows: list[Row] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="wildchat-bench-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        upstream = stack.enter_context(running_upstream(workdir / "logs", delay_s=args.delay))
        targets: list[Target] = []
        services: list[ServiceProcess] = []
        if "direct" in paths:
            targets.append(Target("direct", upstream.api_url, "direct"))
        if "sqlite" in paths:
            target, service = start_target(stack, "sqlite", workdir, upstream.api_url, None)
            targets.append(target)
            services.append(service)
        if "postgresql" in paths:
            pg_url = stack.enter_context(postgresql_schema())
            if pg_url is None:
                notes.append(f"postgresql: skipped, {PG_URL} is unreachable")
            else:
                target, service = start_target(stack, "postgresql", workdir, upstream.api_url, pg_url)
                targets.append(target)
                services.append(service)
        rows = measure_all(targets, levels, args.requests, args.warmup, args.rounds)
        report_service_errors(services)
    compare(rows)
    console.print(render(rows, levels, args.delay, notes))
    console.print(f"total time {time.monotonic() - started:.0f} s")
    if args.json:
        report: dict[str, Any] = {
            "chunks": REPLY_CHUNKS,
            "delay_s": args.delay,
            "cpus": os.cpu_count(),
            "targets": {"added_p50_ms": TARGET_ADDED_P50_MS, "throughput_ratio": TARGET_THROUGHPUT_RATIO},
            "notes": notes,
            "rows": [asdict(r) for r in rows],
        }
        args.json.write_text(json.dumps(report, indent=2))
    return 1 if any(r.wrong_replies for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
