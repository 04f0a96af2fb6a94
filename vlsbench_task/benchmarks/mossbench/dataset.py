"""MOSSBench data: the repository's `data/` (300 benign items) and `data_contrast/` (244 harmful ones).

Each set is `<set>/images_information/information.json` (items keyed by pid, in pid order) and
`<set>/images/<pid>.png`. Every item becomes one document, in published order; an item whose image is
missing or unreadable keeps its place with a `data_status` that says why. Two benign images named
`.png` are WEBP upstream (131, 170): PIL reads the format from the content, so they load as any other.
"""

from __future__ import annotations

from pathlib import Path

from ...base.data import DataVerificationError, verify_sha256
from ...base.rows import Statuses, read_json, report_rows

COMMIT = "8d68b0614b39d8990a508e03d99975832f399db2"
# Folder, item count and sha256 of information.json at COMMIT, per set (`options.subset`).
SETS = {
    "benign": ("data", 300, "a5f7701c0a068391a3ba10714dd95f3357d664c84faf47b747e425ff9806a352"),
    "contrast": ("data_contrast", 244, "ec00786d6be370284bb398dd61978c279e372f0fd9114e8ca39032e20ea14f1e"),
}
# metadata.over -> the paper's name of the stimulus type
STIMULI = {
    "type 1": "exaggerated risk",
    "type 2": "negated harm",
    "type 3": "counterintuitive interpretation",
}


def information_file(folder: Path, subset: str) -> Path:
    return Path(folder) / SETS[subset][0] / "images_information" / "information.json"


def verify(folder: Path) -> None:
    """Refuse a copy whose item lists are not byte-identical to the pinned release."""
    for subset, (_, _, expected) in SETS.items():
        verify_sha256(information_file(folder, subset), expected, f"MOSSBench at commit {COMMIT[:12]}")


def load(folder: Path, options) -> list[dict]:
    """One document per item of the set `options["subset"]` ("benign" or "contrast")."""
    subset = options.get("subset", "benign")
    set_folder, count, _ = SETS[subset]
    items = read_json(information_file(folder, subset), "<set>/images_information/information.json")
    if len(items) != count:
        raise DataVerificationError(f"MOSSBench {subset}: {len(items)} items, expected {count}")
    statuses = Statuses()
    docs = []
    for pid, item in items.items():
        image_file = (Path(folder) / set_folder / item["image"]).resolve()
        over = item["metadata"]["over"]
        docs.append(
            {
                "pid": pid,
                "question": item["question"],
                "image": item["image"],
                "over": over,
                "stimulus": STIMULI[over],
                "image_file": str(image_file),
                "data_status": statuses.of(image_file),
            }
        )
    report_rows(f"MOSSBench ({subset})", docs, "pid")
    return docs
