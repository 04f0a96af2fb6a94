"""Several endpoints of one judge: throughput against 4 local servers, and one killed mid-run.

    python performance/judge_endpoints.py                 # 4 servers, latency 0.5 s, capacity 8 each
    python performance/judge_endpoints.py --n 200 --latency 0.2

Each server runs on 127.0.0.1 in a process of its own, works on at most `--capacity` requests at a
time (the others queue, as in a replica's batch) and takes `--latency` seconds for each, so the
four together answer at most 4c/L requests per second. The judge sends 4c at once. Run (a) measures
throughput against the 0.9 x 4c/L target; run (b) judges the same number of fresh items and kills
one server (SIGKILL) a third of the way through: every item must still end `ok`, the requests it
dropped counted as its failures.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import threading
import time
from pathlib import Path

from judge_throughput import serve
from vlsbench_task.judge import JudgeEngine, JudgeSettings, RunStats
from vlsbench_task.judge.local_server import synthetic_items

from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC

TARGET = 0.9  # of 4c/L


def start_servers(count: int, latency_s: float, capacity: int) -> list[tuple[multiprocessing.Process, str]]:
    servers = []
    for _ in range(count):
        parent, child = multiprocessing.Pipe()
        process = multiprocessing.Process(target=serve, args=(latency_s, child, capacity), daemon=True)
        process.start()
        servers.append((process, parent.recv()))
    return servers


def judge(items, settings: JudgeSettings, label: str) -> tuple[float, list, RunStats, int]:
    """Wall time, verdicts, run totals, and how many verdicts are not ok or not the expected label."""
    started = time.monotonic()
    verdicts, stats = JudgeEngine(settings).judge_all(items, desc=label)
    wall = time.monotonic() - started
    wrong = sum(
        not verdict.ok or verdict.answer["label"] != RUBRIC.offline.answer(item.fields).label
        for item, verdict in zip(items, verdicts, strict=True)
    )
    return wall, verdicts, stats, wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1280, help="items per run (default: 1,280)")
    parser.add_argument("--servers", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per request, L")
    parser.add_argument("--capacity", type=int, default=8, help="requests each server works on at once, c")
    args = parser.parse_args(argv)

    servers = start_servers(args.servers, args.latency, args.capacity)
    limit = args.servers * args.capacity / args.latency  # requests per second
    with tempfile.TemporaryDirectory() as tmp:
        settings = JudgeSettings(
            base_url=",".join(url for _, url in servers),
            api_key="benchmark",
            cache_path=None,
            concurrency=args.servers * args.capacity,
            timeout_s=30,
        )
        items = synthetic_items(Path(tmp), 2 * args.n, RUBRIC)
        wall, _, stats, wrong = judge(items[: args.n], settings, "(a) all servers up")

        victim, victim_url = servers[0]
        kill_after = args.n / limit / 3
        threading.Timer(kill_after, victim.kill).start()
        kill_wall, kill_verdicts, kill_stats, kill_wrong = judge(items[args.n :], settings, "(b) one killed")
    for process, _ in servers[1:]:
        process.kill()

    throughput = args.n / wall
    not_ok = sum(not verdict.ok for verdict in kill_verdicts)
    by_endpoint = {url: sum(v.endpoint == url for v in kill_verdicts) for _, url in servers}
    print(
        f"\n{args.servers} servers, latency L={args.latency} s, capacity c={args.capacity} each: "
        f"4c/L = {limit:.1f} requests/s; concurrency {settings.concurrency}, N={args.n} per run"
    )
    print(f"(a) {wall:.2f} s, {throughput:.1f} items/s = {throughput / limit:.3f} x 4c/L (target {TARGET})")
    print(f"(a) {stats.summary()}")
    print(
        f"(b) server {victim_url} killed after {kill_after:.1f} s: {kill_wall:.2f} s, "
        f"{args.n - not_ok} of {args.n} items ok, {kill_wrong} wrong or not ok; "
        f"failed requests {kill_stats.endpoint_failures}; answered by endpoint {by_endpoint}"
    )
    print(f"(b) {kill_stats.summary()}")
    targets = {
        f"(a) throughput >= {TARGET} x 4c/L": throughput >= TARGET * limit,
        "(a) every verdict correct": wrong == 0,
        "(b) every item ok after the kill": not_ok == 0 and kill_wrong == 0,
        "(b) the killed server's failures counted": kill_stats.endpoint_failures.get(victim_url, 0) > 0,
    }
    for target, met in targets.items():
        print(f"{'met' if met else 'MISSED'}: {target}")
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
