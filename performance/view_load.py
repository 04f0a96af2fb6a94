"""Verdict browser at scale: the size of the page and how fast it loads and filters in Chromium.

    python performance/view_load.py --docs 1250 --models 2 --judges 2   # 5,000 items (2 models x 2 judges)
    python performance/view_load.py --docs 2241 --models 1 --judges 1   # one full VLSBench run: the file size

Writes synthetic lmms-eval output folders: per model, a results file and a samples file of
`vlsbench` (an LLM judge) and, with --judges 2, `vlsbench_keyword`, over a VLSBench-layout data
folder of --docs rows (the real data.json rows, cycled beyond 2,241). The samples are what the task
logs: `scoring.document_values` over verdicts (the keyword rules on each response; an LLM judge that
agrees with them 85 % of the time and fails to parse 1 %), aggregated by the task's own metric list.
The images are real photographs where --photos names a folder of them (default: the shared
MMSafeAware copy; its distinct pictures of 600 px or more, each row a distinct crop, turn or mirror
of one), else
generated pictures; the file size depends on them, so the output says which. Then
`vlsbench-task view` builds the page and headless Chromium opens it --repeat times: the page's
own ready mark (navigation start to the first list rendered), the load event, the JS heap, and the
main-thread time of a filter, a search, a sort and the disagreement view (each ending in a forced
layout). --screenshot saves the items view, and the disagreement view beside it.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps
from vlsbench_task.judge.refusal import RULES_VERSION
from vlsbench_task.judge.schema import Status, Verdict

from vlsbench_task.base import registry, scoring
from vlsbench_task.benchmarks.vlsbench import dataset
from vlsbench_task.benchmarks.vlsbench.benchmark import BENCHMARK, LABELS, RUBRIC
from vlsbench_task.rejudge import aggregate
from vlsbench_task.view.chromium import Chromium
from vlsbench_task.view.images import ImageSizes
from vlsbench_task.view.page import build

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
TASKS = ("vlsbench", "vlsbench_keyword")
OPENINGS = (
    "I'm sorry, but I can't help with that request.",
    "Be careful: this could be dangerous. Please consult a professional before trying anything.",
    "Sure. Here is a step-by-step overview of how you could approach this.",
    "The image shows an everyday scene; there is nothing in it that needs a warning.",
)
SENTENCES = (
    "The picture shows a room with a table, a few tools and a window.",
    "The question asks how to make the most of what is shown.",
    "A plan would list the materials, then the order of the steps.",
    "Local rules differ, so the answer depends on where you are.",
    "Most people would start with the simplest option and adjust from there.",
    "The objects in the image are common and easy to find in a shop.",
    "Timing matters: some of this takes a day, some of it a week.",
)


# ---- data ------------------------------------------------------------------------------------


def photos_in(folder: Path, min_side: int = 600) -> list[Path]:
    """The distinct pictures of at least `min_side` px under `folder` (a dataset may reuse a picture
    under several names: each counts once)."""
    found: dict[bytes, Path] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp"):
            try:
                with Image.open(path) as image:
                    if min(image.size) < min_side * 3 // 4 or max(image.size) < min_side:
                        continue
                    found.setdefault(image.convert("RGB").resize((16, 16)).tobytes(), path)
            except OSError:
                continue
    return list(found.values())


def photo_variant(path: Path, variant: int) -> Image.Image:
    """A distinct picture per variant (240 of them): a crop of 95 to 50 % at one of five places,
    turned by 0 to 270 degrees, mirrored or not."""
    with Image.open(path) as image:
        picture = image.convert("RGB")
    scale = (0.95, 0.9, 0.8, 0.7, 0.6, 0.5)[variant % 6]
    place = variant // 6 % 5
    width, height = picture.size
    w, h = int(width * scale), int(height * scale)
    left = (0, width - w, 0, width - w, (width - w) // 2)[place]
    top = (0, 0, height - h, height - h, (height - h) // 2)[place]
    picture = picture.crop((left, top, left + w, top + h)).rotate(90 * (variant // 30 % 4), expand=True)
    return ImageOps.mirror(picture) if variant // 120 % 2 else picture


def generated_picture(index: int) -> Image.Image:
    """A 768 px picture of shapes on a gradient, different for every index."""
    rng = random.Random(index)
    picture = Image.linear_gradient("L").resize((768, 768)).convert("RGB")
    tint = Image.new("RGB", (768, 768), tuple(rng.randrange(256) for _ in range(3)))
    picture = Image.blend(picture, tint, 0.6)
    draw = ImageDraw.Draw(picture)
    for _ in range(12):
        x, y = rng.randrange(700), rng.randrange(700)
        box = (x, y, x + rng.randrange(40, 300), y + rng.randrange(40, 300))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    return picture


def write_data(folder: Path, docs: int, photos: list[Path]) -> Path:
    rows = json.loads((SHARED / "vlsbench" / "data.json").read_text())
    chosen = []
    for index in range(docs):
        row = dict(rows[index % len(rows)])
        row["instruction_id"] = index
        row["image_path"] = f"imgs/{index}.jpg"
        chosen.append(row)
    (folder / "imgs").mkdir(parents=True, exist_ok=True)

    def save(index: int) -> None:
        picture = (
            photo_variant(photos[index % len(photos)], index // len(photos))
            if photos
            else generated_picture(index)
        )
        picture.save(folder / "imgs" / f"{index}.jpg", quality=92)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(save, range(docs)))
    (folder / "data.json").write_text(json.dumps(chosen))
    return folder


def _has_rows(folder: Path, docs: int) -> bool:
    data_json = folder / "data.json"
    return data_json.is_file() and len(json.loads(data_json.read_text())) == docs


# ---- runs ------------------------------------------------------------------------------------


def response(rng: random.Random, model: int) -> str:
    weights = (3 + 2 * model, 2, 3, 1)  # later models refuse more
    opening = rng.choices(OPENINGS, weights=weights)[0]
    return " ".join([opening, *rng.choices(SENTENCES, k=rng.randrange(2, 8))])


def verdict(task: str, doc: dict, answer: str, rng: random.Random) -> Verdict:
    fields = {"query": doc["instruction"], "response": answer}
    rules = RUBRIC.offline.answer(fields)
    if task == "vlsbench_keyword":
        return Verdict(
            status=Status.OK, answer=rules.model_dump(), backend="keyword", judge_model=RULES_VERSION
        )
    if rng.random() < 0.01:
        return Verdict(
            status=Status.PARSE_ERROR, raw="I cannot assess this.", backend="openai", judge_model="gpt-4o"
        )
    label = rules.label if rng.random() < 0.85 else rng.choice([x for x in LABELS if x != rules.label])
    explanation = f"The response {'refuses' if label == 1 else 'warns' if label == 2 else 'complies'}; {rules.explanation}."
    answer_ = {"label": label, "label_str": LABELS[label], "explanation": explanation}
    return Verdict(
        status=Status.OK,
        answer=answer_,
        raw=json.dumps(answer_),
        backend="openai",
        judge_model="gpt-4o-2024-08-06",
        prompt_tokens=900,
        completion_tokens=60,
        requests=1,
    )


def write_runs(out: Path, data: Path, models: int, judges: int) -> Path:
    docs = [{**doc, "row": row} for row, doc in enumerate(dataset.load(data, {}))]
    for model in range(models):
        folder = out / f"model-{model}"
        folder.mkdir(parents=True, exist_ok=True)
        date = f"20260101_00000{model}"
        rng = random.Random(model)
        answers = [response(rng, model) for _ in docs]
        results: dict = {"results": {}, "configs": {}, "higher_is_better": {}, "date": date}
        results["config"] = {"model": "synthetic", "model_args": f"pretrained=synthetic/model-{model}"}
        for task in TASKS[:judges]:
            config = registry.configs()[task]
            suite = config.get("suite") or {}
            rng = random.Random(f"{model}-{task}")
            with (folder / f"{date}_samples_{task}.jsonl").open("w", encoding="utf-8") as file:
                per_sample = []
                for doc, answer in zip(docs, answers, strict=True):
                    verdicts = (
                        {"verdict": [verdict(task, doc, answer, rng)]} if doc["data_status"] == "ok" else None
                    )
                    values = scoring.document_values(BENCHMARK, doc, [answer], verdicts, {}, suite)
                    per_sample.append(values)
                    sample = {
                        "doc_id": doc["row"],
                        "target": "",
                        "filtered_resps": answer,
                        "input": doc["instruction"],
                        "input_media": [doc["image_path"], doc["image_file"]],
                        **values,
                    }
                    file.write(json.dumps(sample, ensure_ascii=False) + "\n")
            own = config["metric_list"]
            entries = [*own, *scoring.added_metrics(BENCHMARK, docs, suite, own)]
            metrics = aggregate(per_sample, entries)
            results["results"][task] = {"alias": task, **{f"{k},none": v for k, v in metrics.items()}}
            metadata = {**config["metadata"], "benchmark": "vlsbench", "data_origin": f"local:{data}"}
            results["configs"][task] = {"task": task, "metadata": metadata}
            results["higher_is_better"][task] = {e["metric"]: e["higher_is_better"] for e in entries}
        (folder / f"{date}_results.json").write_text(json.dumps(results))
    return out


# ---- the browser -------------------------------------------------------------------------------

TIMED = """(() => {
  const $ = (id) => document.getElementById(id);
  function timed(action) {
    const start = performance.now();
    action();
    void document.body.offsetHeight;  // style and layout of what the action rendered
    return performance.now() - start;
  }
  const set = (id, value, event) => () => { $(id).value = value; $(id).dispatchEvent(new Event(event)); };
  const found = {};
  found.filter_status = timed(set("filter-status", "judge error", "change"));
  found.filter_status_items = Number($("count").dataset.shown);
  timed(set("filter-status", "", "change"));
  found.filter_label = timed(set("filter-label", "unsafe", "change"));
  timed(set("filter-label", "", "change"));
  found.search = timed(set("filter-text", "careful professional", "input"));
  found.search_items = Number($("count").dataset.shown);
  timed(set("filter-text", "", "input"));
  found.sort = timed(set("sort", "status", "change"));
  found.show_more = timed(() => document.querySelector("#items-more button").click());
  found.disagreements = timed(() => { $("tab-pairs").click(); });
  found.disagreement_items = document.querySelectorAll("#pair-items > li.pair").length;
  return found;
})()"""

LOADED = """(() => {
  const navigation = performance.getEntriesByType("navigation")[0];
  return {
    ready: performance.getEntriesByName("view-ready")[0].startTime,
    dom_content_loaded: navigation.domContentLoadedEventEnd,
    load: navigation.loadEventEnd,
    heap_mb: performance.memory ? performance.memory.usedJSHeapSize / 1e6 : null,
    items: Number(document.getElementById("count").dataset.total),
  };
})()"""


def measure(page: Path, repeat: int, screenshot: Path | None) -> dict:
    loads, actions = [], []
    with Chromium() as browser:
        for _ in range(repeat):
            started = time.monotonic()
            browser.open(page, timeout=600)
            loads.append(
                {**browser.evaluate(LOADED), "wall_to_load_event_ms": 1000 * (time.monotonic() - started)}
            )
            if screenshot is not None and not actions:
                browser.screenshot(screenshot)
                browser.evaluate("document.getElementById('tab-pairs').click()")
                browser.screenshot(
                    screenshot.with_name(f"{screenshot.stem}_disagreements{screenshot.suffix}")
                )
                browser.evaluate("document.getElementById('tab-items').click()")
            actions.append(browser.evaluate(TIMED))
    median = {
        key: statistics.median(entry[key] for entry in loads) for key in loads[0] if loads[0][key] is not None
    }
    timed = {key: statistics.median(entry[key] for entry in actions) for key in actions[0]}
    return {"load": median, "actions": timed, "runs": loads}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=1250, help="rows of the benchmark (default 1,250)")
    parser.add_argument("--models", type=int, default=2)
    parser.add_argument("--judges", type=int, choices=(1, 2), default=2)
    parser.add_argument("--photos", type=Path, default=SHARED / "mmsafeaware", help="a folder of photographs")
    parser.add_argument("--generated", action="store_true", help="generated pictures instead of photographs")
    parser.add_argument("--repeat", type=int, default=3, help="page loads to take the median of")
    parser.add_argument("--image-side", type=int, default=ImageSizes().side)
    parser.add_argument("--quality", type=int, default=ImageSizes().quality)
    parser.add_argument(
        "--work", type=Path, help="keep the data, runs and page here (default: a temporary folder)"
    )
    parser.add_argument("--screenshot", type=Path, help="save a screenshot of the items view here (PNG)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="view-load-") as temporary:
        work = args.work or Path(temporary)
        photos = [] if args.generated or not args.photos.is_dir() else photos_in(args.photos)
        images = (
            f"{len(photos)} distinct photographs of {args.photos} (crops, turns and mirrors)"
            if photos
            else "generated pictures"
        )
        started = time.monotonic()
        data = work / "data"
        if not _has_rows(data, args.docs):  # a --work folder of an earlier run keeps its pictures
            write_data(data, args.docs, photos)
        shutil.rmtree(work / "runs", ignore_errors=True)  # only the runs asked for now
        runs = write_runs(work / "runs", data, args.models, args.judges)
        prepared = time.monotonic() - started

        sizes = ImageSizes(args.image_side, args.quality)
        started = time.monotonic()
        page = build([runs], work, sizes)
        built = time.monotonic() - started
        path = work / "view.html"
        path.write_text(page.html, encoding="utf-8")
        size = path.stat().st_size
        found = measure(path, args.repeat, args.screenshot)

    report = {
        "items": page.items,
        "runs": page.runs,
        "docs": args.docs,
        "images": images,
        "image_side": sizes.side,
        "quality": sizes.quality,
        "page_mb": size / 1e6,
        "per_image_kb": size / 1e3 / max(1, page.images),
        "prepare_s": prepared,
        "build_s": built,
        **found,
    }
    load, actions = found["load"], found["actions"]
    print(
        f"{page.items} items ({args.models} model(s) x {args.judges} judge(s) x {args.docs} rows), {images}\n"
        f"page: {size / 1e6:.1f} MB, {page.images} images at {sizes.side} px q{sizes.quality} "
        f"({size / 1e3 / max(1, page.images):.1f} kB per image, text included); built in {built:.1f} s\n"
        f"load (median of {args.repeat}): ready {load['ready']:.0f} ms after navigation start, "
        f"DOMContentLoaded {load['dom_content_loaded']:.0f} ms, load event {load['load']:.0f} ms, "
        f"JS heap {load.get('heap_mb', float('nan')):.0f} MB\n"
        "main-thread time (ms): "
        + ", ".join(f"{key} {value:.0f}" for key, value in actions.items() if not key.endswith("_items"))
    )
    print(json.dumps(report, indent=2), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
