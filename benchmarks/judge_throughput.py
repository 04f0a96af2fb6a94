"""Judge throughput against the local OpenAI-compatible server: serial vs concurrent vs cached.

    python benchmarks/judge_throughput.py            # N=2,241 (VLSBench's size), latency 0.2 s
    python benchmarks/judge_throughput.py --n 200    # a quick run

Every item gets its own synthetic PNG (a flat colour, --image-size pixels) and a distinct response
cycling through refusal / warning / compliance wording, so every request is a cache miss and the
server's policy (the VLSBench rubric's offline rule) gives a known label to check each verdict
against. The server runs on 127.0.0.1 in a child process and sleeps `--latency` seconds per
request, like a remote judge would.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

from vlsbench_task.judge import JudgeEngine, JudgeSettings
from vlsbench_task.judge.local_server import LocalJudgeServer, RateBudget, synthetic_items

from vlsbench_task.vlsbench.benchmark import RUBRIC


def serve(
    latency_s: float, commands: Connection, capacity: int | None = None, budget: RateBudget | None = None
) -> None:
    """The local server in a process of its own, so its request handling does not compete with
    the judge for this process's GIL (a remote API would not either). Answers "throttled" with the
    number of requests answered 429 so far, any other command with the sizes of the request bodies
    received so far."""
    with LocalJudgeServer(rubrics=[RUBRIC], latency_s=latency_s, capacity=capacity, budget=budget) as server:
        commands.send(server.base_url)
        while (command := commands.recv()) != "stop":
            commands.send(len(server.throttled) if command == "throttled" else list(server.body_bytes))


def run(server: Connection, items, settings: JudgeSettings, label: str) -> dict:
    server.send("sizes")
    first_request = len(server.recv())
    engine = JudgeEngine(settings)
    started = time.monotonic()
    verdicts, stats = engine.judge_all(items, desc=label)
    wall = time.monotonic() - started
    wrong = sum(
        not verdict.ok or verdict.answer["label"] != RUBRIC.offline.answer(item.fields).label
        for item, verdict in zip(items, verdicts, strict=True)
    )
    server.send("sizes")
    sizes = server.recv()[first_request:]
    return {
        "label": label,
        "wall": wall,
        "requests": len(sizes),
        "bytes": statistics.mean(sizes) if sizes else 0,
        "wrong": wrong,
        "stats": stats,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=2241, help="items to judge (default: 2,241)")
    parser.add_argument("--latency", type=float, default=0.2, help="server latency per request, s")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--image-size", type=int, nargs=2, default=(96, 64), metavar=("W", "H"))
    args = parser.parse_args(argv)

    server, child_end = multiprocessing.Pipe()
    server_process = multiprocessing.Process(target=serve, args=(args.latency, child_end), daemon=True)
    server_process.start()
    with tempfile.TemporaryDirectory() as tmp:
        items = synthetic_items(Path(tmp), args.n, RUBRIC, tuple(args.image_size))
        base = JudgeSettings(base_url=server.recv(), api_key="benchmark", cache_path=None)
        cached = base.with_overrides(concurrency=args.concurrency, cache_path=Path(tmp) / "cache.sqlite3")
        results = [
            run(server, items, base.with_overrides(concurrency=1), "(a) serial, one at a time"),
            run(server, items, cached, f"(b) engine, concurrency {args.concurrency}"),
            run(server, items, cached, "(c) engine again, cached"),
        ]
    server.send("stop")
    server_process.join()

    serial_limit = args.n * args.latency
    concurrent_limit = serial_limit / args.concurrency
    print(
        f"\nN={args.n} items, server latency {args.latency} s, image {args.image_size[0]}x{args.image_size[1]} PNG per item"
    )
    print(
        f"physical limits: serial {serial_limit:.1f} s, concurrency {args.concurrency} {concurrent_limit:.1f} s"
    )
    print(f"{'run':34} {'wall s':>8} {'x limit':>8} {'requests':>9} {'bytes/req':>10} {'wrong':>6}")
    limits = (serial_limit, concurrent_limit, None)
    for result, limit in zip(results, limits, strict=True):
        ratio = f"{result['wall'] / limit:.3f}" if limit else "-"
        print(
            f"{result['label']:34} {result['wall']:8.2f} {ratio:>8} {result['requests']:9d} "
            f"{result['bytes']:10.0f} {result['wrong']:6d}"
        )
    serial, concurrent, again = results
    print(f"speed-up (a)/(b): {serial['wall'] / concurrent['wall']:.1f}x")
    for result in results:
        print(f"{result['label']}: {result['stats'].summary()}")
    targets = {
        "(b) within 1.25x of its physical limit": concurrent["wall"] <= 1.25 * concurrent_limit,
        "(b) at least 25x faster than (a)": serial["wall"] >= 25 * concurrent["wall"],
        "(c) makes 0 requests": again["requests"] == 0,
        "(c) takes under 2 s": again["wall"] < 2,
        "every verdict correct": not any(result["wrong"] for result in results),
    }
    for target, met in targets.items():
        print(f"{'met' if met else 'MISSED'}: {target}")
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
