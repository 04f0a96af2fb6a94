"""Writes the suites' member lists from the tasks' declarations: `python -m vlsbench_task.suites.write`.

A task joins a group by declaring it in its own YAML (`in_suites: [multimodal_safety, ...]`) and says
which of its metrics feeds each row (`suite:`). lmms-eval needs the group's YAML to list its members
by name (it registers no `tag:` of class-based tasks), so the list sits between two marker comments
in each group YAML and is rewritten from the declarations; the rest of the file (header, lmms-eval's
own members such as HoliSafe, aggregation) is kept as written. In a checkout, docs/suites.md's member
table is written the same way. `--check` changes nothing and exits 1 where a file differs, as the
contract test does.
"""

from __future__ import annotations

import argparse
import sys
from importlib.resources import files
from pathlib import Path

from ..base import registry
from ..base.benchmark import benchmark_named
from ..base.errors import VlsbenchTaskError
from ..base.scoring import SUITE_AXES

BEGIN = "  # Declared members (each task's `in_suites`), written by `python -m vlsbench_task.suites.write`:"
END = "  # End of the declared members."
DOC_BEGIN = (
    "<!-- Written by `python -m vlsbench_task.suites.write` from each task's `in_suites` and `suite`. -->"
)
DOC_END = "<!-- End of the written table. -->"
# docs/ is in the checkout, not in the installed package: its table is written where it exists.
SUITES_DOC = Path(__file__).resolve().parents[2] / "docs" / "suites.md"


class MarkersMissing(VlsbenchTaskError, ValueError):
    """A file without the two marker lines, so the lines between them cannot be written."""


def suites_folder() -> Path:
    return Path(str(files("vlsbench_task.task_configs"))) / "suites"


def between(text: str, begin: str, end: str, body: list[str]) -> str:
    """`text` with the lines between the marker lines `begin` and `end` replaced by `body`."""
    lines = text.splitlines(keepends=True)
    stripped = [line.rstrip("\n") for line in lines]
    if begin not in stripped or end not in stripped:
        raise MarkersMissing(f"the file needs the lines {begin.strip()!r} and {end.strip()!r}")
    first, last = stripped.index(begin), stripped.index(end)
    return "".join([*lines[: first + 1], *(f"{line}\n" for line in body), *lines[last:]])


def render(text: str, members: list[str]) -> str:
    """`text` (a group YAML) with its declared members replaced by `members`."""
    return between(text, BEGIN, END, [f"  - {name}" for name in members])


def _benchmark_cell(task: str) -> str:
    name = registry.configs()[task]["benchmark"]
    readme = Path(str(files(f"vlsbench_task.benchmarks.{name}"))) / "README.md"
    title = benchmark_named(name).title
    return f"[{title}](../vlsbench_task/benchmarks/{name}/README.md)" if readme.is_file() else title


def members_table() -> list[str]:
    """docs/suites.md's table: every member of every group, its groups, and what feeds each row."""
    groups = sorted(registry.group_names())
    members = sorted({task for group in groups for task in registry.group_members(group)})
    header = ["task", "benchmark", "groups", *(f"`{axis}` from" for axis in SUITE_AXES)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for task in members:
        in_groups = ", ".join(f"`{g}`" for g in groups if task in registry.group_members(g))
        if task in registry.configs():
            suite = registry.configs()[task].get("suite") or {}
            cells = [
                _benchmark_cell(task),
                in_groups,
                *(f"`{suite[a]}`" if a in suite else "—" for a in SUITE_AXES),
            ]
        else:  # lmms-eval's own task, which the group's inline entry gives both rows
            cells = ["lmms-eval's own", in_groups, *(f"its own `{axis}`" for axis in SUITE_AXES)]
        lines.append("| " + " | ".join([f"`{task}`", *cells]) + " |")
    return lines


def wanted_files() -> dict[Path, str]:
    """Every written file with the text it should have."""
    wanted = {}
    for path in sorted(suites_folder().glob("*.yaml")):
        group = registry.read_yaml(path)["group"]
        wanted[path] = render(path.read_text(encoding="utf-8"), registry.declared_members(group))
    if SUITES_DOC.is_file():
        wanted[SUITES_DOC] = between(
            SUITES_DOC.read_text(encoding="utf-8"), DOC_BEGIN, DOC_END, members_table()
        )
    return wanted


def stale_files() -> dict[Path, str]:
    """The written files whose text differs from the declarations, with the text they should have."""
    return {path: text for path, text in wanted_files().items() if path.read_text(encoding="utf-8") != text}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vlsbench_task.suites.write", description=__doc__)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is stale")
    args = parser.parse_args(argv)
    stale = stale_files()
    for path, text in stale.items():
        if args.check:
            print(f"{path}: differs from the tasks' `in_suites` and `suite` declarations", file=sys.stderr)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if args.check and stale:
        print("run: python -m vlsbench_task.suites.write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
