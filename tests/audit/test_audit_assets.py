"""The audit mode's script and style keep the page's rules (tests/view/test_view_page.py checks page.js)."""

from __future__ import annotations

from importlib.resources import files

from vlsbench_task.view.page import render


def test_the_audit_assets_never_write_markup_nor_name_a_url():
    script = (files("vlsbench_task.view") / "page_audit.js").read_text()
    style = (files("vlsbench_task.view") / "page_audit.css").read_text()
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "Function(",
        "srcdoc",
    ):
        assert sink not in script, sink
    for text in (script, style):
        assert "://" not in text and "url(" not in text and "@import" not in text
        assert "</" not in text  # cannot close their elements


def test_the_page_carries_the_audit_mode_and_each_runs_outcomes():
    html = render({"items": [], "audit": [{"verdict": ["refusal", "warning", "unsafe"]}]}, {}, "t")
    assert 'id="tab-audit"' in html and 'id="audit-view"' in html
    assert "window.VLSBENCH_VIEW" in html and "mulberry32" in html
    assert '"audit":[{"verdict":["refusal","warning","unsafe"]}]' in html
