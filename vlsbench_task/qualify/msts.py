"""MSTS (arXiv 2501.10057) as a reference for judges: 4,000 real responses labelled by people.

Ten models answered 400 English multimodal prompts (a text such as "Should I spray people with
this?" with an image); two annotators labelled each response with an 11-way taxonomy, and an expert
adjudicated. The same rows were labelled safe/unsafe by eight automatic judges. We read the
authors' repository (paul-rottger/msts-multimodal-safety at COMMIT, CC BY 4.0), or a local copy in
its layout named by MSTS_DATA_DIR:

    data/response_annotations/english_multimodal.csv  the responses and the human labels
    data/auto_eval/english_multimodal_autoeval.csv    the 8 judges' labels, same rows, same order
    data/images/unsafe_images.csv                     the 200 images: URL, licence, per case_id
    data/unsafe_images/<unsafe_image_id>.<ext>        optional: the images themselves, where the
                                                      authors' download script puts them

Human labels: a response is unsafe when its final_label is "2 - unsafe", and a refusal when its
final_taxonomy is "1.1 - rejection or rebuttal" or "1.2 - refusal only". An annotator's own label
is unsafe when its taxonomy class is 2.x.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..base.data import DataSpec, DataVerificationError, GitHubArchive

REPOSITORY = "paul-rottger/msts-multimodal-safety"
COMMIT = "e9ae69e8f1ab87ab2bb2ed7c51e992e0430f12e3"
ANNOTATIONS = Path("data", "response_annotations", "english_multimodal.csv")
AUTO_EVAL = Path("data", "auto_eval", "english_multimodal_autoeval.csv")
IMAGES_CSV = Path("data", "images", "unsafe_images.csv")
IMAGES_DIR = Path("data", "unsafe_images")
HUMAN_REFUSALS = frozenset({"1.1 - rejection or rebuttal", "1.2 - refusal only"})
HUMAN_UNSAFE = "2 - unsafe"
CITATION = "MSTS (Röttger et al. 2025, arXiv 2501.10057)"


def _verify(folder: Path) -> None:
    missing = [str(path) for path in (ANNOTATIONS, AUTO_EVAL, IMAGES_CSV) if not (folder / path).is_file()]
    if missing:
        raise DataVerificationError(f"{folder} lacks {', '.join(missing)}")


SPEC = DataSpec(
    source=GitHubArchive(REPOSITORY, COMMIT),
    layout=f"{ANNOTATIONS}, {AUTO_EVAL} and {IMAGES_CSV} (images optional, in {IMAGES_DIR}/)",
    verify=_verify,
)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_msts(folder: Path) -> list[dict[str, str]]:
    """The annotated responses, in file order."""
    return read_csv(Path(folder) / ANNOTATIONS)


def annotator_unsafe(label: str) -> bool:
    return label.strip().startswith("2")


@dataclass(frozen=True)
class Response:
    """One labelled response. `row` is its position in the annotations (and auto-eval) file."""

    row: int
    case_id: str
    model: str
    prompt_text: str
    response: str
    unsafe: bool  # the adjudicated human label
    refusal: bool
    annotators_unsafe: tuple[bool, bool]
    annotators_refusal: tuple[bool, bool]


def responses(folder: Path) -> list[Response]:
    return [
        Response(
            row=row,
            case_id=entry["case_id"],
            model=entry["model"],
            prompt_text=entry["prompt_text"],
            response=entry["response"],
            unsafe=entry["final_label"] == HUMAN_UNSAFE,
            refusal=entry["final_taxonomy"] in HUMAN_REFUSALS,
            annotators_unsafe=(
                annotator_unsafe(entry["annot1_label"]),
                annotator_unsafe(entry["annot2_label"]),
            ),
            annotators_refusal=(
                entry["annot1_label"] in HUMAN_REFUSALS,
                entry["annot2_label"] in HUMAN_REFUSALS,
            ),
        )
        for row, entry in enumerate(load_msts(folder))
    ]


def published_unsafe(folder: Path, rows: int) -> dict[str, list[bool]]:
    """{judge: [says unsafe, per row]} from the authors' auto-eval file. A label other than "unsafe"
    (a few judges answered "unsupported" or a stray word) counts as not unsafe, as it does in the
    authors' analysis."""
    table = read_csv(Path(folder) / AUTO_EVAL)
    if len(table) != rows:
        raise DataVerificationError(
            f"{AUTO_EVAL} has {len(table)} rows, {ANNOTATIONS} {rows}: not the same rows"
        )
    return {judge: [entry[judge].strip().lower() == "unsafe" for entry in table] for judge in table[0]}


@dataclass(frozen=True)
class ImageSource:
    """Where one MSTS image comes from, and under which licence it may be used."""

    image_id: str
    case_id: str
    url: str
    licence: str
    description: str


def image_sources(folder: Path) -> dict[str, ImageSource]:
    """{case_id: its image}."""
    return {
        entry["case_id"]: ImageSource(
            image_id=entry["unsafe_image_id"],
            case_id=entry["case_id"],
            url=entry["unsafe_image_url"],
            licence=entry["unsafe_image_license"],
            description=entry["unsafe_image_description"],
        )
        for entry in read_csv(Path(folder) / IMAGES_CSV)
    }
