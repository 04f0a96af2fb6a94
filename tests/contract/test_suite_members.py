"""Each suite group lists exactly the tasks that declare it (`in_suites` in their own YAML), and every
benchmark's tests give its data: a new benchmark that forgets either fails here, and joins the suites
without an edit to any shared file (docs/adding_a_benchmark.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from vlsbench_task.base import registry
from vlsbench_task.suites import write

sys.path.append(str(Path(__file__).resolve().parents[1] / "suites"))
from suites_support import NoTestData, data_keys, support_module

GROUPS = ("multimodal_safety", "multimodal_safety_open", "multimodal_safety_offline")


def test_the_shipped_groups_are_the_suites():
    assert sorted(registry.group_names()) == sorted(GROUPS)


@pytest.mark.parametrize("group", GROUPS)
def test_each_group_lists_exactly_the_tasks_that_declare_it(group):
    ours = [name for name in registry.group_members(group) if name in registry.configs()]
    assert ours == registry.declared_members(group), "run: python -m vlsbench_task.suites.write"


def test_the_group_files_are_as_the_writer_writes_them():
    stale = write.stale_files()
    assert not stale, f"stale {sorted(path.name for path in stale)}: run python -m vlsbench_task.suites.write"


def test_every_declared_suite_is_a_group_of_ours():
    for task in registry.task_names():
        declared = registry.configs()[task].get(registry.IN_SUITES) or []
        assert set(declared) <= set(GROUPS), task


def test_a_template_declares_no_suite():
    """A template's `in_suites` would be every variant's; each task says it in its own file."""
    root = write.suites_folder().parent
    for template in root.rglob("_default_template_yaml"):
        assert registry.IN_SUITES not in registry.read_yaml(template), template


def test_a_task_that_includes_another_does_not_inherit_its_suites(tmp_path):
    (tmp_path / "judged.yaml").write_text("task: judged\nin_suites: [multimodal_safety]\n")
    (tmp_path / "offline.yaml").write_text("task: offline\ninclude: judged.yaml\n")
    assert registry.read_yaml(tmp_path / "judged.yaml")[registry.IN_SUITES] == ["multimodal_safety"]
    assert registry.IN_SUITES not in registry.read_yaml(tmp_path / "offline.yaml")


def test_the_writer_replaces_only_the_declared_members():
    text = f"group: g\ntask:\n{write.BEGIN}\n  - old\n{write.END}\n  - task: holisafe\nmetadata: {{}}\n"
    written = write.render(text, ["a", "b"])
    assert (
        written
        == f"group: g\ntask:\n{write.BEGIN}\n  - a\n  - b\n{write.END}\n  - task: holisafe\nmetadata: {{}}\n"
    )
    assert write.render(written, ["a", "b"]) == written
    with pytest.raises(write.MarkersMissing):
        write.render("group: g\ntask:\n  - a\n", ["a"])


def test_check_fails_on_a_forgotten_member_and_the_writer_fixes_it(tmp_path, monkeypatch):
    """The command as a developer runs it, on copies of the groups and of docs/suites.md with one
    member dropped from each."""
    copy = tmp_path / "suites"
    copy.mkdir()
    for path in write.suites_folder().glob("*.yaml"):
        (copy / path.name).write_text(path.read_text())
    edited = copy / "multimodal_safety_offline.yaml"
    edited.write_text(edited.read_text().replace("  - vlsbench_keyword\n", ""))
    doc = tmp_path / "suites.md"
    doc.write_text(
        "".join(line for line in write.SUITES_DOC.read_text().splitlines(True) if "`vlsbench`" not in line)
    )
    monkeypatch.setattr(write, "suites_folder", lambda: copy)
    monkeypatch.setattr(write, "SUITES_DOC", doc)
    assert sorted(write.stale_files()) == [edited, doc]
    assert write.main(["--check"]) == 1
    assert "vlsbench_keyword" not in edited.read_text()
    assert write.main([]) == 0
    assert "  - vlsbench_keyword\n" in edited.read_text() and write.main(["--check"]) == 0
    assert "| `vlsbench` | [VLSBench](../vlsbench_task/benchmarks/vlsbench/README.md) |" in doc.read_text()


def test_the_table_says_what_feeds_each_row_as_the_tasks_declare():
    rows = {line.split(" | ")[0].strip("| `"): line.split(" | ") for line in write.members_table()[2:]}
    assert rows["mossbench"][3:] == ["—", "`compliance_rate` |"]
    assert rows["mssbench_chat"][3:] == ["`unsafe_acc`", "`safe_acc` |"]
    assert rows["holisafe"][1] == "lmms-eval's own"
    assert "`multimodal_safety_open`" not in rows["vlguard_unsafes"][2]


@pytest.mark.parametrize("folder", data_keys())
def test_every_benchmark_gives_its_test_data(folder):
    assert callable(support_module(folder).data_env)


def test_a_benchmark_without_test_data_is_named():
    with pytest.raises(NoTestData, match=r"no_such_benchmark_support\.py is missing"):
        support_module("no_such_benchmark")
