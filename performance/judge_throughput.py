"""Judge throughput against the local OpenAI-compatible server: serial vs concurrent vs cached.

    python performance/judge_throughput.py             # N=2,241 (VLSBench's size), latency 0.2 s,
                                                      # serial, then concurrency 32, 64 and 128
    python performance/judge_throughput.py --no-serial # without the 7-minute serial baseline
    python performance/judge_throughput.py --n 200 --concurrency 32
    python performance/judge_throughput.py --no-serial --images ../shared/data/figstep  # real images

Every item gets its own synthetic PNG (a flat colour, --image-size pixels) and a distinct response
cycling through refusal / warning / compliance wording, so every request is a cache miss and the
server's policy (the VLSBench rubric's offline rule) gives a known label to check each verdict
against (`--images DIR`: that folder's PNG and JPEG files instead, cycled). The server runs on
127.0.0.1 in a child process and sleeps `--latency` seconds per request, like a remote judge
would. After each concurrent run the same requests go out again, the same number at once, from a
bare aiohttp client (the server's own floor) and from the openai SDK's client alone (the floor of
the SDK's request path, which the engine sends through), printed beside the engine's time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp
import openai
from vlsbench_task.judge import JudgeEngine, JudgeSettings
from vlsbench_task.judge.backends.openai_compatible import post_completion
from vlsbench_task.judge.local_server import LocalJudgeServer, RateBudget, synthetic_items

from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC

SERIAL = "(a) serial, one at a time"
BARE, SDK_ALONE = "bare client", "SDK alone"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
CONCURRENT_TARGET = 1.10  # wall time against N x latency / concurrency, on an idle machine


def serve(
    latency_s: float, commands: Connection, capacity: int | None = None, budget: RateBudget | None = None
) -> None:
    """The local server in a process of its own, so its request handling does not compete with
    the judge for this process's GIL (a remote API would not either). Answers "throttled" with the
    number of requests answered 429 so far, "cpu" with its CPU seconds so far, any other command
    with the sizes of the request bodies received so far."""
    with LocalJudgeServer(rubrics=[RUBRIC], latency_s=latency_s, capacity=capacity, budget=budget) as server:
        commands.send(server.base_url)
        while (command := commands.recv()) != "stop":
            if command == "cpu":
                commands.send(time.process_time())
            else:
                commands.send(len(server.throttled) if command == "throttled" else list(server.body_bytes))


def server_cpu(server: Connection) -> float:
    server.send("cpu")
    return server.recv()


def run(server: Connection, items, settings: JudgeSettings, label: str) -> dict:
    server.send("sizes")
    first_request = len(server.recv())
    cpu_before = server_cpu(server)
    with JudgeEngine(settings) as engine, stopwatch() as judged:
        verdicts, stats = engine.judge_all(items, desc=label)
    cpu = {"client": judged["cpu"], "server": server_cpu(server) - cpu_before}
    wrong = sum(
        not verdict.ok or verdict.answer["label"] != RUBRIC.offline.answer(item.fields).label
        for item, verdict in zip(items, verdicts, strict=True)
    )
    server.send("sizes")
    sizes = server.recv()[first_request:]
    return {
        "label": label,
        "wall": judged["wall"],
        "requests": len(sizes),
        "bytes": statistics.mean(sizes) if sizes else 0,
        "wrong": wrong,
        "stats": stats,
        "cpu": cpu,
    }


def client_floors(base_url: str, items, settings: JudgeSettings) -> dict[str, dict[str, float]]:
    """Wall and CPU seconds for the engine's own request bodies, the same number in flight, sent by
    a bare aiohttp client (what the stand-in server allows whatever the client) and by the openai
    SDK's client alone, through the call the engine makes (what the SDK's request path allows with
    no engine around it). Past 64 in flight the server's threads, which share one GIL, stretch its
    latency."""
    with JudgeEngine(settings) as engine:
        bodies = [engine.backend.request_body(item, engine.prepared(item)[1]) for item in items]

    async def bare() -> None:
        connector = aiohttp.TCPConnector(limit=settings.concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def send(body: dict) -> None:
                async with session.post(f"{base_url}/chat/completions", json=body) as response:
                    await response.read()

            await in_flight(settings.concurrency, map(send, bodies))

    async def sdk() -> None:
        http_client = openai.DefaultAioHttpClient()
        async with openai.AsyncOpenAI(
            api_key="benchmark", base_url=base_url, http_client=http_client
        ) as client:
            await in_flight(settings.concurrency, (post_completion(client, body) for body in bodies))

    floors: dict[str, dict[str, float]] = {}
    for name, send_all in [(BARE, bare), (SDK_ALONE, sdk)]:
        with stopwatch() as floors[name]:
            asyncio.run(send_all())
    return floors


async def in_flight(concurrency: int, sends) -> None:
    slots = asyncio.Semaphore(concurrency)

    async def one(send) -> None:
        async with slots:
            await send

    await asyncio.gather(*map(one, sends))


@contextlib.contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    """The block's wall seconds and this process's CPU seconds, in the dict it yields, once it ends."""
    times, started, cpu_started = {}, time.monotonic(), time.process_time()
    yield times
    times.update(wall=time.monotonic() - started, cpu=time.process_time() - cpu_started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=2241, help="items to judge (default: 2,241)")
    parser.add_argument("--latency", type=float, default=0.2, help="server latency per request, s")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[32, 64, 128])
    parser.add_argument("--no-serial", action="store_true", help="skip the slow serial baseline (a)")
    parser.add_argument("--image-size", type=int, nargs=2, default=(96, 64), metavar=("W", "H"))
    parser.add_argument("--images", type=Path, help="judge the PNG and JPEG files under this folder")
    args = parser.parse_args(argv)
    files = []
    images = f"image {args.image_size[0]}x{args.image_size[1]} PNG per item"
    if args.images:
        files = sorted(path for path in args.images.rglob("*") if path.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            parser.error(f"--images: no PNG or JPEG file under {args.images}")
        images = f"the {len(files)} images under {args.images}, cycled"

    server, child_end = multiprocessing.Pipe()
    server_process = multiprocessing.Process(target=serve, args=(args.latency, child_end), daemon=True)
    server_process.start()
    with tempfile.TemporaryDirectory() as tmp:
        items = synthetic_items(Path(tmp), args.n, RUBRIC, tuple(args.image_size), images=files)
        base = JudgeSettings(base_url=server.recv(), api_key="benchmark", cache_path=None)
        serial = None if args.no_serial else run(server, items, base.with_overrides(concurrency=1), SERIAL)
        concurrent, floors = [], []
        for concurrency in args.concurrency:  # each with a cache of its own: every request a miss
            settings = base.with_overrides(
                concurrency=concurrency, cache_path=Path(tmp) / f"{concurrency}.sqlite3"
            )
            concurrent.append(
                (concurrency, run(server, items, settings, f"(b) engine, concurrency {concurrency}"))
            )
            floors.append(client_floors(base.base_url, items, base.with_overrides(concurrency=concurrency)))
        again = run(server, items, settings, "(c) engine again, cached")
    server.send("stop")
    server_process.join()

    serial_limit = args.n * args.latency
    print(f"\nN={args.n} items, server latency {args.latency} s, {images}")
    print(f"physical limit: N x latency / concurrency (serial: {serial_limit:.1f} s)")
    print(
        f"{'run':34} {'wall s':>8} {'limit s':>8} {'x limit':>8} {'requests':>9} {'bytes/req':>10} {'wrong':>6}"
    )
    rows = ([(serial, serial_limit)] if serial else []) + [
        (result, serial_limit / concurrency) for concurrency, result in concurrent
    ]
    for result, limit in [*rows, (again, None)]:
        limits = f"{limit:8.2f} {result['wall'] / limit:8.3f}" if limit else f"{'-':>8} {'-':>8}"
        print(
            f"{result['label']:34} {result['wall']:8.2f} {limits} {result['requests']:9d} "
            f"{result['bytes']:10.0f} {result['wrong']:6d}"
        )
    for result, _ in [*rows, (again, None)]:
        print(f"{result['label']}: {result['stats'].summary()}")
    # The judge's requests leave one Python process, so its CPU time is a floor on the wall time;
    # the server's, spread over the machine's other cores, is one too.
    print(f"\nCPU seconds (this machine: {os.cpu_count()} cores), per request in ms:")
    for result, _ in rows:
        client, server_s = result["cpu"]["client"], result["cpu"]["server"]
        per_request = 1000 / max(1, result["requests"])
        bound = "CPU-bound" if client >= 0.8 * result["wall"] else "latency-bound"
        print(
            f"{result['label']:34} judge {client:6.2f} s ({client * per_request:.2f} ms), server "
            f"{server_s:6.2f} s ({server_s * per_request:.2f} ms): {bound}"
        )
    print(
        "\nFloors: the same requests, as many at once, from a bare aiohttp client (the stand-in "
        "server's) and from the SDK's client alone (its request path's); x limit, client CPU a request:"
    )
    per_request = 1000 / max(1, args.n)
    for (concurrency, result), floor in zip(concurrent, floors, strict=True):
        limit = serial_limit / concurrency or float("nan")  # no limit without latency
        sent_by = [
            f"{name} {times['wall'] / limit:.3f} ({times['cpu'] * per_request:.2f} ms)"
            for name, times in floor.items()
        ]
        print(
            f"concurrency {concurrency:3d}: {', '.join(sent_by)}, engine {result['wall'] / limit:.3f}; "
            f"engine / SDK alone {result['wall'] / floor[SDK_ALONE]['wall']:.3f}"
        )
    targets = {
        f"(b) concurrency {concurrency} within {CONCURRENT_TARGET}x of its physical limit": result["wall"]
        <= CONCURRENT_TARGET * serial_limit / concurrency
        for concurrency, result in concurrent
    }
    if serial:
        fastest = min(result["wall"] for _, result in concurrent)
        print(f"speed-up (a)/(b) fastest: {serial['wall'] / fastest:.1f}x")
        targets["(b) at least 25x faster than (a)"] = serial["wall"] >= 25 * fastest
    targets |= {
        "(c) makes 0 requests": again["requests"] == 0,
        "(c) takes under 2 s": again["wall"] < 2,
        "every verdict correct": not any(result["wrong"] for result, _ in [*rows, (again, None)]),
    }
    for target, met in targets.items():
        print(f"{'met' if met else 'MISSED'}: {target}")
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
