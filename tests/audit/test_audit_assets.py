"""The audit mode on the page (tests/view/test_view_page.py holds its script and style to the page's rules)."""

from __future__ import annotations

from vlsbench_task.view.page import render


def test_the_page_carries_the_audit_mode_and_each_runs_outcomes():
    html = render({"items": [], "audit": [{"verdict": ["refusal", "warning", "unsafe"]}]}, {}, "t")
    assert 'id="tab-audit"' in html and 'id="audit-view"' in html
    assert "window.VLSBENCH_VIEW" in html and "mulberry32" in html
    assert '"audit":[{"verdict":["refusal","warning","unsafe"]}]' in html
