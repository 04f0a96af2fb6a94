"""The whole `multimodal_safety_open` suite judged against a rate-limited API: lmms-eval's `dummy`
model through the real `lmms-eval` console script, the judge a local OpenAI-compatible server on
127.0.0.1 with an RPM and a TPM budget that answers 429 with Retry-After past either.

    python performance/judge_suite_rate_limited.py              # RPM 3,000, TPM 3,000,000
    python performance/judge_suite_rate_limited.py --no-limits  # the same, VLSBENCH_TASK_JUDGE_RPM /
                                                                # _TPM unset: the engine learns the pace

Data: ../shared/data and, where it has no images, each benchmark's test fixture (as the suite
tests build them). The stand-in judge answers by each rubric's offline rule, or the rubric's first
allowed answer (tests/suites/suites_support.py). The budget is scaled down so that the run takes
minutes; the server counts tokens as the API does, roughly (judge/tokens.py: text, image tiles,
`max_tokens`), in buckets holding 2 s of budget.

lmms-eval judges one task after another, with model runs and document loading between them; while
a task is judged, requests flow without pause. Throughput is measured over those stretches (gaps of
more than --gap seconds between answered requests split them) and also over the whole run.

Targets with the limits set: throughput >= 0.8 x the binding limit, 0 items lost or left as
errors, fewer than 1 % of requests answered 429. Without them: 0 items lost or left as errors.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from vlsbench_task.judge.local_server import LocalJudgeServer, RateBudget

from vlsbench_task.base.records import RECORD_METRIC, verdicts

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path += [str(REPO / "tests"), str(REPO / "tests" / "suites")]  # suites_support imports hub_emulator
import lmms_eval_cli  # noqa: E402
from lmms_eval_cli import judged_by  # noqa: E402
from suites_support import data_env, every_rubric, stand_in_judge  # noqa: E402

SUITE = "multimodal_safety_open"
THROUGHPUT_TARGET = 0.8
THROTTLED_SHARE_TARGET = 0.01


def stretches(arrivals: list[float], gap_s: float) -> list[tuple[int, float]]:
    """(requests, seconds) of each run of arrivals with no gap longer than `gap_s`."""
    found, start, count = [], arrivals[0], 1
    for before, at in itertools.pairwise(arrivals):
        if at - before > gap_s:
            found.append((count, before - start))
            start, count = at, 0
        count += 1
    found.append((count, arrivals[-1] - start))
    return found


def judged_statuses(output: Path) -> Counter:
    """How many verdicts of each backend and status the run's samples logs hold, and how many
    records of each status."""
    statuses: Counter = Counter()
    for samples in output.rglob("*_samples_*.jsonl"):
        for line in samples.read_text(encoding="utf-8").splitlines():
            found = json.loads(line).get(RECORD_METRIC)
            if isinstance(found, dict):
                statuses.update(
                    f"{verdict.get('backend')} {verdict['status']}" for _, _, verdict in verdicts(found)
                )
                statuses["records " + found["status"]] += 1
    return statuses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rpm", type=int, default=3000)
    parser.add_argument("--tpm", type=int, default=3_000_000)
    parser.add_argument("--latency", type=float, default=0.2, help="server latency per request, s")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--no-limits", action="store_true", help="leave VLSBENCH_TASK_JUDGE_RPM / _TPM unset")
    parser.add_argument("--gap", type=float, default=3.0, help="a pause this long ends a judging stretch, s")
    parser.add_argument("--limit", type=int, help="lmms-eval --limit (default: every document)")
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        raise SystemExit(f"{SHARED} is missing: this benchmark reads the shared test data")

    budget = RateBudget(rpm=args.rpm, tpm=args.tpm)
    policy = stand_in_judge(every_rubric())
    with (
        tempfile.TemporaryDirectory(prefix="vlsbench-suite-") as temporary,
        LocalJudgeServer(policy=policy, latency_s=args.latency, budget=budget) as server,
    ):
        work = Path(temporary)
        limits = {} if args.no_limits else {"rpm": str(args.rpm), "tpm": str(args.tpm)}
        # The cache off: every verdict is asked of the server.
        judge = judged_by(server, "off", api_key="benchmark", concurrency=str(args.concurrency), **limits)
        model = ("--model", "dummy", "--model_args", "response=I'm sorry but I can't help with that.")
        limit = ("--limit", str(args.limit)) if args.limit else ()
        started = time.monotonic()
        done = subprocess.run(
            lmms_eval_cli.command([*model, "--tasks", SUITE, *limit], work / "out"),
            env=lmms_eval_cli.environment({**data_env(SHARED, work / "data"), **judge}),
            capture_output=True,
            text=True,
        )
        wall = time.monotonic() - started
        if done.returncode != 0 or not list((work / "out").rglob("*_results.json")):
            raise SystemExit(f"lmms-eval failed:\n{(done.stdout + done.stderr)[-4000:]}")
        statuses = judged_statuses(work / "out")
        answered, throttled = len(server.arrivals), len(server.throttled)
        tokens = budget.tokens_charged / max(1, answered)
        arrivals = sorted(server.arrivals)

    binding = min((args.rpm / 60, "RPM"), (args.tpm / 60 / tokens, "TPM"))
    parts = stretches(arrivals, args.gap)
    judging_s = sum(seconds for _, seconds in parts)
    # Each stretch's first request starts its clock: n - 1 intervals per stretch.
    sustained = sum(count - 1 for count, _ in parts) / judging_s / binding[0]
    overall = answered / (arrivals[-1] - arrivals[0]) / binding[0]
    not_ok = sum(
        n for kind, n in statuses.items() if not kind.startswith("records ") and not kind.endswith(" ok")
    )
    share = throttled / max(1, answered + throttled)
    label = "no limits set" if args.no_limits else f"VLSBENCH_TASK_JUDGE_RPM={args.rpm}, _TPM={args.tpm}"
    print(
        f"\n{SUITE}, dummy model, judge {label}; server budget RPM {args.rpm}, TPM {args.tpm}, "
        f"latency {args.latency} s, concurrency {args.concurrency}"
    )
    print(
        f"lmms-eval wall {wall:.0f} s; {answered} requests answered, {throttled} answered 429 "
        f"({100 * share:.2f} %); {tokens:.0f} tokens a request as counted; binding: {binding[1]}, "
        f"{binding[0]:.2f} requests/s"
    )
    print(f"verdict statuses in the samples logs: {dict(sorted(statuses.items()))}")
    print(
        f"judging stretches: {len(parts)} ({judging_s:.0f} s in all); sustained throughput / binding "
        f"limit = {sustained:.3f}; over first to last request = {overall:.3f}"
    )
    targets = {"0 items lost or left as errors": not_ok == 0 and statuses["openai ok"] == answered}
    if not args.no_limits:
        targets |= {
            f"throughput >= {THROUGHPUT_TARGET} x the binding limit": sustained >= THROUGHPUT_TARGET,
            "fewer than 1 % of requests answered 429": share < THROTTLED_SHARE_TARGET,
        }
    for target, met in targets.items():
        print(f"{'met' if met else 'MISSED'}: {target}")
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
