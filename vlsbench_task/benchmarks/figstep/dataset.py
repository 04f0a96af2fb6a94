"""FigStep's SafeBench data: `data/question/<set>.csv` and `data/images/<set>/` as the repository has them.

Each CSV row (dataset, category_id, task_id, category_name, question, instruction) becomes one
document, in published order; its typographic image is
`data/images/<set>/query_<dataset>_<category_id>_<task_id>_6.png` (6: the FigStep query type). A row
whose image is missing or unreadable keeps its place with a `data_status` that says why.
"""

from __future__ import annotations

from pathlib import Path

from ...base.data import DataVerificationError, verify_sha256
from ...base.rows import Statuses, read_csv_rows, report_rows

COMMIT = "0861b17b3d67887c06ee3534ec65b3012f9becb7"
# CSV, image folder, row count and sha256 of the CSV at COMMIT, per set (`options.subset`).
SETS = {
    "safebench": (
        "safebench.csv",
        "SafeBench",
        500,
        "8e47f40b9b490fa2ca1393cdceb6081e9928848646f4b45fdd43726be941b394",
    ),
    "tiny": (
        "SafeBench-Tiny.csv",
        "SafeBench-Tiny",
        50,
        "e5f85f7d0323fe2e4afa99f6715ee97c2581d93856af4728a72fdec94338e867",
    ),
}


COLUMNS = ("dataset", "category_id", "task_id", "category_name", "question", "instruction")


def question_file(folder: Path, subset: str) -> Path:
    return Path(folder) / "data" / "question" / SETS[subset][0]


def verify(folder: Path) -> None:
    """Refuse a copy whose question lists are not byte-identical to the pinned release."""
    for subset, (_, _, _, expected) in SETS.items():
        verify_sha256(question_file(folder, subset), expected, f"FigStep at commit {COMMIT[:12]}")


def load(folder: Path, options) -> list[dict]:
    """One document per question of the set `options["subset"]` ("safebench" or "tiny")."""
    subset = options.get("subset", "safebench")
    _, image_folder, count, _ = SETS[subset]
    rows = read_csv_rows(question_file(folder, subset), COLUMNS, "data/question/<set>.csv and data/images/")
    if len(rows) != count:
        raise DataVerificationError(f"FigStep {subset}: {len(rows)} questions, expected {count}")
    statuses = Statuses()
    docs = []
    for row in rows:
        image = f"{image_folder}/query_{row['dataset']}_{row['category_id']}_{row['task_id']}_6.png"
        image_file = (Path(folder) / "data" / "images" / image).resolve()
        docs.append(
            {
                "category_id": int(row["category_id"]),
                "task_id": int(row["task_id"]),
                "category_name": row["category_name"],
                "question": row["question"],
                "instruction": row["instruction"],
                "image": image,
                "image_file": str(image_file),
                "data_status": statuses.of(image_file),
            }
        )
    report_rows(f"FigStep ({subset})", docs, "image")
    return docs
