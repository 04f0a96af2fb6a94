"""performance/ppi_msts.py on the real MSTS files, with few draws (its targets mean little at this size)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "performance" / "ppi_msts.py"
MSTS = REPO.parent / "shared" / "data" / "msts"


@pytest.mark.skipif(not MSTS.is_dir(), reason=f"no MSTS copy at {MSTS}")
def test_the_script_measures_every_judge_at_every_n_on_shared_draws(tmp_path):
    out, chart = tmp_path / "cells.json", tmp_path / "chart.png"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(MSTS), "--draws", "40", "--json", str(out), "--chart", str(chart)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr[-3000:]
    cells = json.loads(out.read_text())
    assert chart.stat().st_size > 10_000
    assert len(cells) == (8 + 1) * 3
    unsafe = [c for c in cells if c["rate"] == "unsafe"]
    # Every judge sees the same draws, so labels-only (which ignores the judge) is the same for all.
    for n in (50, 100, 200):
        assert len({json.dumps(c["width"]["labels-only"]) for c in unsafe if c["n"] == n}) == 1
    for cell in cells:
        assert all(0 <= value <= 1 for value in cell["coverage"].values())
    widths = [c["width"]["labels-only"] for c in unsafe if c["judge"] == "gemini-1.5-pro"]
    assert widths[0] > widths[1] > widths[2]
    # The refusal rules agree with people at kappa ~0.78: PPI must beat the labels alone.
    refusal = [c for c in cells if c["rate"] == "refusal"]
    assert all(c["width"]["ppi"] < 0.85 * c["width"]["labels-only"] for c in refusal)
    assert "took " in done.stdout
    assert ("met: every target" in done.stdout) == (done.returncode == 0)
