"""`vlsbench-task view RUNS... --out view.html`: a verdict browser in one self-contained HTML file.

RUNS are lmms-eval --output_path folders (searched recursively) or results files, of runs made with
--log_samples. Every logged item of every task of ours shows its image (a thumbnail; click to
enlarge it), the query, the model's answer, the verdict (label, explanation, judge model), its
status (ok, judge error, data error) and categories, and where it sits in the samples file. Filter
and sort by benchmark, model, task, category, label, status and free text. The disagreement view
sets two runs of the same items side by side (two judges or two models): the confusion counts of
`vlsbench-task agreement` and only the items where they differ. The headline rates at the top are
those of `vlsbench-task report`.

The page needs no server and loads nothing: open it from disk or a shared drive. Images come from
each task's data (`<NAME>_DATA_DIR`, the folder the run recorded, or the download cache), one JPEG
copy each, --image-side pixels at most: a full VLSBench run makes a file of about 25 MB
(docs/view.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..reports.runs import UnreadableOutput
from .images import ImageSizes
from .page import build


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "view",
        help="one self-contained HTML page to browse every judged item, its image and its verdict",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("runs", nargs="+", type=Path, help="lmms-eval output folders or results files")
    parser.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    parser.add_argument("--title", help="the page's title (default: the benchmarks shown)")
    defaults = ImageSizes()
    parser.add_argument(
        "--image-side",
        type=int,
        default=defaults.side,
        help=f"longest side of each image in pixels (default {defaults.side}; shown smaller as the thumbnail)",
    )
    parser.add_argument(
        "--quality",
        type=int,
        default=defaults.quality,
        help=f"JPEG quality, 1-95 (default {defaults.quality})",
    )
    parser.add_argument("--no-images", action="store_true", help="leave the images out")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.quality <= 95 or args.image_side < 32:
        print("vlsbench-task view: need --quality 1-95 and --image-side >= 32", file=sys.stderr)
        return 2
    sizes = None if args.no_images else ImageSizes(args.image_side, args.quality)
    try:
        page = build(args.runs, args.out.parent, sizes, args.title)
    except (OSError, UnreadableOutput) as error:
        print(f"vlsbench-task view: {error}", file=sys.stderr)
        return 2
    for note in page.notes:
        print(f"note: {note}", file=sys.stderr)
    if not page.runs:
        print(
            f"vlsbench-task view: no logged samples of a task of ours under {', '.join(map(str, args.runs))} "
            "(run lmms-eval with --log_samples)",
            file=sys.stderr,
        )
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page.html, encoding="utf-8")
    size = len(page.html.encode("utf-8")) / 1e6
    print(
        f"wrote {args.out} ({size:.1f} MB): {page.items} items of {page.runs} runs, {page.images} images, "
        f"{page.pairs} comparisons"
    )
    return 0
