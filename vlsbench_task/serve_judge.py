"""`vlsbench-task serve-judge`: the stand-in judge on 127.0.0.1, to try the judged tasks end to end
without a key. A smoke test, not a judge: it answers each rubric with that rubric's offline rules
(those of the `*_keyword` tasks), so its numbers mean nothing. Ctrl-C stops it.

It serves one model name, `local-stand-in-judge`, and answers any other with HTTP 404: a run that
did not export VLSBENCH_TASK_JUDGE_MODEL stops at its preflight, so no stand-in verdict is cached under a
real judge's name.
"""

from __future__ import annotations

import argparse
import json
import threading

from .base import registry
from .base.benchmark import benchmark_named
from .judge.local_server import STAND_IN_MODEL, LocalJudgeServer, Policy, Reply, rules_policy


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "serve-judge",
        help="start a stand-in LLM judge on 127.0.0.1 for smoke tests (its numbers mean nothing)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    parser.set_defaults(run=run)


def only_stand_in(policy: Policy) -> Policy:
    """`policy` for requests of the stand-in model, HTTP 404 for any other model."""

    def answer(body: dict, index: int) -> Reply:
        if body.get("model") == STAND_IN_MODEL:
            return policy(body, index)
        message = f"this stand-in judge serves only {STAND_IN_MODEL!r}, not {body.get('model')!r}"
        return Reply(
            status=404, body=json.dumps({"error": {"message": message, "code": "model_not_found"}}).encode()
        )

    return answer


def run(args: argparse.Namespace) -> int:
    benchmarks = sorted(
        {config["benchmark"] for config in registry.configs().values() if "benchmark" in config}
    )
    rubrics = [rubric for name in benchmarks for rubric in benchmark_named(name).rubrics.values()]
    answered = sorted({rubric.name for rubric in rubrics if rubric.offline is not None})
    unanswered = sorted({rubric.name for rubric in rubrics if rubric.offline is None})
    server = LocalJudgeServer(
        policy=only_stand_in(rules_policy(rubrics)),
        preflight_policy=only_stand_in(lambda body, index: Reply(content="OK")),
        port=args.port,
    )
    with server:
        lines = [
            f"Stand-in judge on {server.base_url}: a smoke test, not a judge; its numbers mean nothing.",
            f"It answers with the offline rules of {', '.join(answered)}"
            + (f" (HTTP 400 for {', '.join(unanswered)})." if unanswered else "."),
            "Paste into the shell that runs lmms-eval:",
            "",
            f"export VLSBENCH_TASK_JUDGE_BASE_URL={server.base_url}",
            f"export VLSBENCH_TASK_JUDGE_MODEL={STAND_IN_MODEL}",
            "",
            "Ctrl-C stops it.",
        ]
        print("\n".join(lines), flush=True)
        try:
            threading.Event().wait()  # the server answers in its own threads
        except KeyboardInterrupt:
            print("stand-in judge stopped", flush=True)
    return 0
