"""Helpers of the verdict browser's tests (a module name no other test folder uses)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import lmms_eval_cli
from PIL import Image
from vlsbench_task.judge.local_server import Reply, read_request

from vlsbench_task.benchmarks.siuo import dataset as siuo_dataset
from vlsbench_task.benchmarks.siuo.benchmark import EFFECTIVENESS_RUBRIC, SAFETY_RUBRIC
from vlsbench_task.benchmarks.vlsbench.benchmark import LABELS, RUBRIC

# VLSBench under two judges (an LLM judge, the keyword rules), and SIUO: two judgements of each of
# three responses per item.
TASKS = ("vlsbench", "vlsbench_keyword", "siuo")
JUDGE_MODEL = "scripted-judge"
REFUSAL = "Sorry I cannot help with that."
GARBLE = "GARBLE-ME"  # the LLM judge answers such a response with text that is no verdict
HOSTILE_QUERY = "What is shown? <img src=x onerror=\"window.__pwned='query'\"></script><b>bold</b>"
# Responses that would run script or load something if a page treated them as markup.
HOSTILE_ANSWERS = (
    '<script>window.__pwned = "answer"</script>' + REFUSAL,
    "<img src=x onerror=\"window.__pwned='img'\">Sure. Step one: gather the materials.",
    "Be careful: this is dangerous. Details at https://evil.example/steal.png and http://127.0.0.1:9/x",
    '</script><script>window.__pwned = "close"</script><!-- {{script}} &amp; --><style>*{display:none}</style>',
)
JUDGE_EXPLANATION = '<b>judged</b><script>window.__pwned = "judge"</script> by the test policy'
ANSWERS = (
    *HOSTILE_ANSWERS,
    f"I will not answer that. {GARBLE}",
    REFUSAL,
    "Sure. Here is how to do it step by step.",
    "Be careful: consult a professional before you try anything.",
    REFUSAL,
    "Sure. Here is how to do it step by step.",
    "Be careful: consult a professional before you try anything.",
    "Sure. Here is how to do it step by step.",
)
MISSING_IMAGE_ROW = 9  # its image file is absent: a data error in every run
LARGE_IMAGE_ROW = 1  # 400 x 300: the page keeps a larger copy besides the thumbnail


def pick_rows(rows: list[dict], categories: int = 3) -> list[dict]:
    """Two rows of each of two sub-categories of the first `categories` categories (12 rows)."""
    by_sub: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        by_sub[row["category"], row["sub_category"]].append(row)
    subs_of: dict[str, list[str]] = defaultdict(list)
    for (category, sub), members in by_sub.items():
        if len(members) >= 2:
            subs_of[category].append(sub)
    return [
        row
        for category in list(subs_of)[:categories]
        for sub in subs_of[category][:2]
        for row in by_sub[category, sub][:2]
    ]


def write_data(folder: Path, rows: list[dict]) -> Path:
    """A VLSBench folder: data.json (row 0 with the hostile query) and generated images, row
    MISSING_IMAGE_ROW without its image."""
    rows = [dict(row) for row in rows]
    rows[0]["instruction"] = HOSTILE_QUERY
    (folder / "imgs").mkdir(parents=True, exist_ok=True)
    for index, row in enumerate(rows):
        if index == MISSING_IMAGE_ROW:
            continue
        size = (400, 300) if index == LARGE_IMAGE_ROW else (48 + 4 * index, 36)
        image = Image.new("RGB", size, (index * 19 % 256, 110, 200 - index * 9))
        image.paste((240, 200, 40), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
        image.save(folder / row["image_path"])
    (folder / "data.json").write_text(json.dumps(rows))
    return folder


def write_replay_logs(folder: Path, tasks: tuple[str, ...], answers: tuple[str, ...]) -> Path:
    """Logs that lmms-eval's own `from_log` model replays (answer i for document i of each task)."""
    folder.mkdir(parents=True, exist_ok=True)
    for task in tasks:
        log = {
            "args": {"model": "recorded", "model_args": "", "limit": None},
            "model_configs": {"task": task},
            "time": "0101_0000",
            "logs": [{"doc_id": index, "resps": [[answer]]} for index, answer in enumerate(answers)],
        }
        (folder / f"{task}.json").write_text(json.dumps(log))
    return folder


def llm_label(response: str) -> int | None:
    """The scripted LLM judge: refusal for refusing text, unsafe for everything else, and no
    verdict for GARBLE (so it disagrees with the keyword rules on warnings)."""
    if GARBLE in response:
        return None
    return 1 if ("Sorry" in response or "will not" in response) else 3


def judge_policy(body: dict, index: int) -> Reply:
    """The scripted LLM judge of both benchmarks (llm_label decides; SIUO: safe and ineffective
    exactly for refusals)."""
    found = read_request(body, [RUBRIC, SAFETY_RUBRIC, EFFECTIVENESS_RUBRIC])
    assert found is not None, "a request none of the rubrics rendered"
    rubric, fields = found
    label = llm_label(fields["response"])
    if label is None:
        return Reply(content="Hard to say.")
    if rubric is RUBRIC:
        answer = {"label": label, "label_str": LABELS[label], "explanation": JUDGE_EXPLANATION}
    elif rubric is SAFETY_RUBRIC:
        answer = {"reasons": JUDGE_EXPLANATION, "judgement": "True" if label == 1 else "False"}
    else:
        answer = {"reasons": "scripted", "judgement": "Ineffective" if label == 1 else "Partially Effective"}
    return Reply(content=json.dumps(answer))


def write_siuo_data(folder: Path, shared_data: Path) -> Path:
    """SIUO's published JSON with a small generated image under each published name."""
    for name in (siuo_dataset.GEN_FILE, siuo_dataset.MCQA_FILE):
        (folder / name).write_bytes((shared_data / "siuo" / "data" / name).read_bytes())
    (folder / "images").mkdir()
    for index, name in enumerate(siuo_dataset.IMAGE_FILES):
        Image.new("RGB", (40, 30), (index * 37 % 256, 60, 120)).save(folder / name)
    return folder


def run_lmms_eval(args: list[str], output: Path, env: dict[str, str]) -> None:
    lmms_eval_cli.run(args, output, env).results()  # exactly one results file, or the run's output


def page_data(html: str) -> tuple[dict, dict]:
    """The JSON the page carries: (data, images)."""
    found = {
        name: json.loads(text)
        for name, text in re.findall(
            r'<script type="application/json" id="view-(\w+)">(.*?)</script>', html, re.DOTALL
        )
    }
    return found["data"], found["images"]


def samples_file(root: Path, task: str, model_folder: str) -> Path:
    (path,) = (root / model_folder).rglob(f"*_samples_{task}.jsonl")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
