"""Writes each suite group's member list from the tasks' declarations: `python -m vlsbench_task.suites.write`.

A task joins a group by declaring it in its own YAML (`in_suites: [multimodal_safety, ...]`); lmms-eval
needs the group's YAML to list its members by name (it registers no `tag:` of class-based tasks). The
list sits between two marker comments in each group YAML and is rewritten from the declarations; the
rest of the file (header, lmms-eval's own members such as HoliSafe, aggregation) is kept as written.
`--check` changes nothing and exits 1 where a file differs, as the contract test does.
"""

from __future__ import annotations

import argparse
import sys
from importlib.resources import files
from pathlib import Path

from ..base import registry

BEGIN = "  # Declared members (each task's `in_suites`), written by `python -m vlsbench_task.suites.write`:"
END = "  # End of the declared members."


class MarkersMissing(ValueError):
    """A group YAML without the two marker lines, so its member list cannot be written."""


def suites_folder() -> Path:
    return Path(str(files("vlsbench_task.task_configs"))) / "suites"


def render(text: str, members: list[str]) -> str:
    """`text` (a group YAML) with the lines between the markers replaced by `members`."""
    lines = text.splitlines(keepends=True)
    stripped = [line.rstrip("\n") for line in lines]
    if BEGIN not in stripped or END not in stripped:
        raise MarkersMissing(f"a suite group YAML needs the lines {BEGIN.strip()!r} and {END.strip()!r}")
    begin, end = stripped.index(BEGIN), stripped.index(END)
    return "".join([*lines[: begin + 1], *(f"  - {name}\n" for name in members), *lines[end:]])


def stale_files() -> dict[Path, str]:
    """Each group YAML whose member list differs from the declarations, with the text it should have."""
    stale = {}
    for path in sorted(suites_folder().glob("*.yaml")):
        group = registry.read_yaml(path)["group"]
        text = path.read_text(encoding="utf-8")
        wanted = render(text, registry.declared_members(group))
        if wanted != text:
            stale[path] = wanted
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vlsbench_task.suites.write", description=__doc__)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is stale")
    args = parser.parse_args(argv)
    stale = stale_files()
    for path, text in stale.items():
        if args.check:
            print(
                f"{path}: its member list differs from the tasks' `in_suites` declarations", file=sys.stderr
            )
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if args.check and stale:
        print("run: python -m vlsbench_task.suites.write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
