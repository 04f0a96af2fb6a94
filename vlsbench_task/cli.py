"""`vlsbench-task`: work on saved lmms-eval outputs without re-running the model."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vlsbench-task", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    from . import demo, doctor, rejudge, serve_judge
    from .agreement import command as agreement
    from .qualify import command as qualify
    from .reports import compare, report, reproduce
    from .view import command as view

    demo.add_parser(commands)
    doctor.add_parser(commands)
    rejudge.add_parser(commands)
    compare.add_parser(commands)
    report.add_parser(commands)
    reproduce.add_parser(commands)
    agreement.add_parser(commands)
    qualify.add_parser(commands)
    view.add_parser(commands)
    serve_judge.add_parser(commands)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
