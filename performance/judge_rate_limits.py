"""Judging against a rate-limited API at full speed: a local OpenAI-compatible server with an RPM and
a TPM budget, answering 429 with Retry-After past either.

    python performance/judge_rate_limits.py               # RPM 1,500, TPM 600,000: about 3 minutes
    python performance/judge_rate_limits.py --n 300       # a quick run

A scaled-down budget, so that the runs take minutes: the limits of a hosted judge are larger, the
behaviour is the same. The server counts tokens as OpenAI's limiter does, roughly (judge/tokens.py:
text, image tiles, `max_tokens`), in buckets holding 2 s of budget (OpenAI enforces its limits over
short periods). Each item carries its own 96x64 PNG, so images count.

(a) VLSBENCH_TASK_JUDGE_RPM / _TPM set to the server's budget: sustained throughput against the binding
    limit (target >= 0.8), 0 items lost or left as errors, fewer than 1 % of requests answered 429.
(b) No limits configured: the engine learns the pace from the 429s (judge/limits.py `throttled`).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

from judge_throughput import serve
from vlsbench_task.judge import JudgeEngine, JudgeSettings
from vlsbench_task.judge.backends.openai_compatible import OpenAICompatibleJudge
from vlsbench_task.judge.images import prepare_image
from vlsbench_task.judge.local_server import RateBudget, synthetic_items
from vlsbench_task.judge.tokens import chat_tokens

from vlsbench_task.benchmarks.vlsbench.benchmark import RUBRIC

THROUGHPUT_TARGET = 0.8
THROTTLED_SHARE_TARGET = 0.01


def item_tokens(item) -> int:
    """What the API counts for this item's request (the same count the server charges)."""
    image = prepare_image(Path(item.image_path).read_bytes(), 2048)
    messages = OpenAICompatibleJudge.messages(item, image)
    return chat_tokens(messages, RUBRIC.max_tokens, [image.info.sent_size])


def run(items, settings: JudgeSettings, server, label: str, binding_per_s: float) -> dict:
    server.send("throttled")
    throttled_before = server.recv()
    started = time.monotonic()
    verdicts, stats = JudgeEngine(settings).judge_all(items, desc=label)
    wall = time.monotonic() - started
    server.send("throttled")
    throttled = server.recv() - throttled_before
    wrong = sum(
        not verdict.ok or verdict.answer["label"] != RUBRIC.offline.answer(item.fields).label
        for item, verdict in zip(items, verdicts, strict=True)
    )
    return {
        "label": label,
        "wall": wall,
        "ratio": len(items) / wall / binding_per_s,
        "not_ok": sum(not verdict.ok for verdict in verdicts),
        "wrong": wrong,
        "throttled": throttled,
        "throttled_share": throttled / max(1, stats.requests),
        "stats": stats,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1200, help="items per run (default: 1,200)")
    parser.add_argument("--rpm", type=int, default=1500)
    parser.add_argument("--tpm", type=int, default=600_000)
    parser.add_argument("--latency", type=float, default=0.2, help="server latency per request, s")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args(argv)

    server, child_end = multiprocessing.Pipe()
    budget = RateBudget(rpm=args.rpm, tpm=args.tpm)
    process = multiprocessing.Process(target=serve, args=(args.latency, child_end, None, budget), daemon=True)
    process.start()
    with tempfile.TemporaryDirectory() as tmp:
        items = synthetic_items(Path(tmp), 2 * args.n, RUBRIC, (96, 64))
        tokens = statistics.mean(item_tokens(item) for item in items)
        binding = min((args.rpm / 60, "RPM"), (args.tpm / 60 / tokens, "TPM"))
        base = JudgeSettings(
            base_url=server.recv(), api_key="benchmark", cache_path=None, concurrency=args.concurrency
        )
        configured = run(
            items[: args.n],
            base.with_overrides(rpm=args.rpm, tpm=args.tpm),
            server,
            "(a) limits set",
            binding[0],
        )
        adaptive = run(items[args.n :], base, server, "(b) no limits set", binding[0])
    server.send("stop")
    process.join()

    print(
        f"\nserver budget: RPM {args.rpm}, TPM {args.tpm}; {tokens:.0f} tokens a request as counted; "
        f"binding: {binding[1]}, {binding[0]:.2f} requests/s; N={args.n} per run, concurrency "
        f"{args.concurrency}, latency {args.latency} s"
    )
    for result in (configured, adaptive):
        print(
            f"{result['label']}: {result['wall']:.1f} s, throughput / binding limit = {result['ratio']:.3f}, "
            f"{result['throttled']} requests answered 429 ({100 * result['throttled_share']:.2f} %), "
            f"{result['not_ok']} not ok, {result['wrong']} wrong or not ok"
        )
        print(f"{result['label']}: {result['stats'].summary()}")
    targets = {
        f"(a) throughput >= {THROUGHPUT_TARGET} x the binding limit": configured["ratio"]
        >= THROUGHPUT_TARGET,
        "(a) 0 items lost or left as errors": configured["wrong"] == 0,
        "(a) fewer than 1 % of requests answered 429": configured["throttled_share"] < THROTTLED_SHARE_TARGET,
        "(b) 0 items lost or left as errors": adaptive["wrong"] == 0,
    }
    for target, met in targets.items():
        print(f"{'met' if met else 'MISSED'}: {target}")
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
