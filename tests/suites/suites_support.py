"""Data of every benchmark for the suite groups: the shared copies where they exist (VLSBench rows with
drawn images, MMSafeAware, MOSSBench, FigStep) and each benchmark's own test fixture in its published
layout where the images are not in the shared copy (MM-SafetyBench, SIUO, MSSBench) or there is no
shared copy (VLGuard, JailBreakV-28K)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hub_emulator import write_folder
from PIL import Image
from vlsbench_task.judge.local_server import Reply, read_request, rules_policy

from vlsbench_task.base import registry
from vlsbench_task.base.benchmark import benchmark_named

TESTS = Path(__file__).resolve().parents[1]
# their fixture builders (module names are unique)
for folder in ("mmsafetybench", "siuo", "mssbench", "vlguard", "jailbreakv_28k"):
    if str(TESTS / folder) not in sys.path:
        sys.path.append(str(TESTS / folder))

import jailbreakv_support  # noqa: E402
import mmsafetybench_support  # noqa: E402
import mssbench_support  # noqa: E402
import siuo_support  # noqa: E402
import vlguard_support  # noqa: E402


def vlsbench_folder(rows: list[dict], folder: Path) -> Path:
    """Every given row of data.json with a drawn image (1,957 images serve the 2,241 real rows)."""
    (folder / "imgs").mkdir(parents=True)
    for path in sorted({row["image_path"] for row in rows}):
        Image.new("RGB", (8, 6), (len(path) * 9 % 256, 90, 140)).save(folder / path)
    (folder / "data.json").write_text(json.dumps(rows))
    return folder


def data_env(shared: Path, root: Path) -> dict[str, str]:
    rows = json.loads((shared / "vlsbench" / "data.json").read_text())
    return {
        "VLSBENCH_DATA_DIR": str(vlsbench_folder(rows, root / "vlsbench_data")),
        "MMSAFEAWARE_DATA_DIR": str(shared / "mmsafeaware"),
        "MOSSBENCH_DATA_DIR": str(shared / "mossbench"),
        "FIGSTEP_DATA_DIR": str(shared / "figstep"),
        "MMSAFETYBENCH_DATA_DIR": str(
            write_folder(root / "mmsafetybench", mmsafetybench_support.hub_files())
        ),
        "SIUO_DATA_DIR": str(write_folder(root / "siuo", siuo_support.hub_files(shared))),
        "MSSBENCH_DATA_DIR": str(mssbench_support.build(root / "mssbench")),
        "VLGUARD_DATA_DIR": str(vlguard := vlguard_support.build(root / "vlguard")),
        "VLGUARD_HELPFULNESS_DATA_DIR": str(vlguard),
        "JAILBREAKV_28K_DATA_DIR": str(jailbreakv_support.build(root / "jailbreakv_28k")),
    }


def every_rubric() -> list:
    names = {config["benchmark"] for config in registry.configs().values() if "benchmark" in config}
    return [rubric for name in sorted(names) for rubric in benchmark_named(name).rubrics.values()]


def _first_answer(rubric) -> str:
    """A valid answer of the rubric's first allowed value in every field ("stand-in" for free text)."""
    properties = rubric.schema["properties"]
    answer = {
        name: spec["enum"][0] if "enum" in spec else "stand-in" if spec.get("type") == "string" else 0
        for name, spec in properties.items()
    }
    return rubric.answer_model.model_validate(answer).model_dump_json()


def stand_in_judge(rubrics: list):
    """Each rubric's offline rule where it has one, else its first allowed answer."""
    with_rules = rules_policy(rubrics)

    def policy(body: dict, index: int) -> Reply:
        found = read_request(body, rubrics)
        if found is not None and found[0].offline is None:
            return Reply(content=_first_answer(found[0]))
        return with_rules(body, index)

    return policy
