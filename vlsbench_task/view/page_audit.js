// Audit mode: people label a seeded random sample of one run's items, one at a time, blind to the
// judge's verdict until they have decided. Labels live in localStorage and export as labels.jsonl
// (the format of vlsbench_task/audit/labels.py, which `report --labels` and `agreement --labels`
// read). Appended to page.js, in the same strict-mode script; strings reach the page as text only.
(function () {
  const { DATA, runs, items, card, h } = window.VLSBENCH_VIEW;
  const $ = (id) => document.getElementById(id);
  const CANT_TELL = "can't tell";
  // One saved audit per set of runs: rebuilding the page over the same runs resumes it.
  const STORE = "vlsbench-audit:" + JSON.stringify(runs.map((run) => [run.model, run.task, run.date]));
  let audit = null;  // {run, judgement, n, seed, method, auditor, units, position, labels}
  let imported = [];

  // ---- seeded draws ----------------------------------------------------------------------------
  function generator(seed) {  // mulberry32: small, fast, and the same in every browser
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function shuffled(list, random) {
    const copy = list.slice();
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy;
  }

  // The run's units (one response judged `ok` under one judgement), in the page's order.
  function population(runIndex, judgement) {
    const units = [];
    for (const item of items) {
      if (item.run !== runIndex || item.status !== "ok") continue;
      for (const v of item.verdicts) {
        if (v.judgement === judgement && v.status === "ok" && v.outcome !== null) {
          units.push({ doc: item.doc, response: v.response, outcome: v.outcome });
        }
      }
    }
    return units;
  }

  // n units at random; or stratified by the judge's outcome: an equal share of n from each outcome
  // (all of a smaller one), each label standing for N_h / n_h items. Shown in a random order.
  function draw(units, n, seed, method) {
    const random = generator(seed);
    if (method === "random") {
      return shuffled(units, random).slice(0, n).map((u) => ({ doc: u.doc, response: u.response }));
    }
    const strata = new Map();
    for (const unit of units) {
      if (!strata.has(unit.outcome)) strata.set(unit.outcome, []);
      strata.get(unit.outcome).push(unit);
    }
    let left = n;
    const share = new Map();
    const bySize = [...strata].sort(([, a], [, b]) => a.length - b.length);
    for (const [index, [outcome, members]] of bySize.entries()) {  // smallest first: what they cannot take goes on
      const take = Math.min(members.length, Math.floor(left / (bySize.length - index)));
      share.set(outcome, take);
      left -= take;
    }
    const picked = [];
    for (const [outcome, members] of [...strata].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const take = share.get(outcome);
      if (!take) continue;
      for (const unit of shuffled(members, random).slice(0, take)) {
        picked.push({ doc: unit.doc, response: unit.response, stratum: outcome, weight: members.length / take });
      }
    }
    return shuffled(picked, random);
  }

  // ---- storage -------------------------------------------------------------------------------
  function save() {
    try {
      localStorage.setItem(STORE, JSON.stringify(audit));
      $("audit-saved").textContent = "labels saved in this browser";
    } catch (error) {
      $("audit-saved").textContent = "labels could not be saved in this browser (" + error.name + "): export them";
    }
  }

  function load() {
    try {
      return JSON.parse(localStorage.getItem(STORE) || "null");
    } catch (error) {
      return null;
    }
  }

  const keyOf = (unit) => unit.doc + "#" + unit.response;
  const itemAt = (runIndex, doc) => items.find((item) => item.run === runIndex && item.doc === doc);

  function labelLines() {
    const run = runs[audit.run];
    return audit.units.filter((unit) => audit.labels[keyOf(unit)]).map((unit) => {
      const label = audit.labels[keyOf(unit)];
      const drawn = audit.method === "random"
        ? { method: "random" }
        : { method: "stratified", stratum: unit.stratum, weight: unit.weight };
      return JSON.stringify({
        task: run.task, doc_id: unit.doc, response: unit.response, judgement: audit.judgement,
        outcome: label.outcome, note: label.note, auditor: audit.auditor, time: label.time,
        seed: audit.seed, run: run.model, drawn,
      });
    });
  }

  // ---- setup ---------------------------------------------------------------------------------
  function setup() {
    const box = $("audit-setup");
    box.replaceChildren();
    const judgedRuns = runs.map((run, index) => index).filter((index) => Object.keys(DATA.audit[index]).length);
    if (!judgedRuns.length) {
      box.append(h("p", null, "No judged run on this page to audit."));
      return;
    }
    const runSelect = h("select", { id: "audit-run" },
      judgedRuns.map((index) => h("option", { value: String(index) }, runs[index].model + " · " + runs[index].task)));
    const judgementSelect = h("select", { id: "audit-judgement" });
    const fillJudgements = () => {
      judgementSelect.replaceChildren(...Object.keys(DATA.audit[Number(runSelect.value)])
        .map((name) => h("option", { value: name }, name)));
    };
    runSelect.addEventListener("change", fillJudgements);
    fillJudgements();
    const size = h("input", { type: "number", id: "audit-n", min: "1", value: "100" });
    const seed = h("input", { type: "number", id: "audit-seed", value: String(Math.floor(Math.random() * 1e6)) });
    const method = h("select", { id: "audit-method" },
      h("option", { value: "random" }, "random"),
      h("option", { value: "stratified" }, "stratified by the judge's outcome"));
    const auditor = h("input", { type: "text", id: "audit-auditor", placeholder: "your name" });
    const start = h("button", { type: "button", id: "audit-start" }, "draw and start");
    start.addEventListener("click", () => {
      const runIndex = Number(runSelect.value);
      const units = population(runIndex, judgementSelect.value);
      const n = Math.max(1, Math.min(units.length, Math.floor(Number(size.value) || 0)));
      const seedValue = Math.floor(Number(seed.value) || 0);
      audit = {
        run: runIndex, judgement: judgementSelect.value, n, seed: seedValue, method: method.value,
        auditor: auditor.value.trim() || "anonymous", position: 0, labels: {},
        units: draw(units, n, seedValue, method.value),
      };
      save();
      show();
    });
    box.append(
      h("p", null, "Draw items of one run to label yourself. The judge's verdict stays hidden until you decide. " +
        "Keys: 1, 2, ... pick an outcome, 0 \"can't tell\", Enter or → next, ← back."),
      h("div", { class: "audit-form" },
        h("label", null, "run", runSelect), h("label", null, "judgement", judgementSelect),
        h("label", null, "items", size), h("label", null, "seed", seed), h("label", null, "draw", method),
        h("label", null, "auditor", auditor), start));
  }

  // ---- one item at a time ----------------------------------------------------------------------
  function blindCard(item) {
    const shown = card(item, null);
    for (const verdict of shown.querySelectorAll(".verdict")) verdict.remove();  // not in the DOM at all
    return shown;
  }

  function decide(outcome) {
    const unit = audit.units[audit.position];
    if (!unit || audit.labels[keyOf(unit)]) return;  // decided: no second thoughts after the reveal
    audit.labels[keyOf(unit)] = { outcome, note: $("audit-note").value, time: new Date().toISOString() };
    save();
    show();
  }

  function move(step) {
    const next = audit.position + step;
    if (next < 0 || next > audit.units.length) return;
    if (step > 0 && !audit.labels[keyOf(audit.units[audit.position])]) return;  // decide first
    audit.position = next;
    save();
    show();
  }

  function show() {
    $("audit-setup").hidden = audit !== null;
    $("audit-work").hidden = audit === null;
    if (audit === null) return;
    const run = runs[audit.run];
    const labelled = Object.keys(audit.labels).length;
    $("audit-progress").textContent = run.model + " · " + run.task + " · judgement " + audit.judgement +
      " · seed " + audit.seed + " (" + audit.method + ") · auditor " + audit.auditor + " · " + labelled +
      " of " + audit.units.length + " labelled";
    $("audit-progress").dataset.labelled = labelled;
    const box = $("audit-item");
    const buttons = $("audit-buttons");
    box.replaceChildren();
    buttons.replaceChildren();
    if (audit.position >= audit.units.length) {
      box.append(h("p", { id: "audit-done" }, "All " + audit.units.length + " items labelled: export the labels."));
      return;
    }
    const unit = audit.units[audit.position];
    const item = itemAt(audit.run, unit.doc);
    const label = audit.labels[keyOf(unit)];
    box.dataset.doc = unit.doc;
    box.dataset.response = unit.response;
    box.dataset.decided = label ? "1" : "0";
    box.append(h("p", { class: "audit-position" }, "item " + (audit.position + 1) + " of " + audit.units.length +
      (item.answers.length > 1 ? " · label answer " + (unit.response + 1) : "")));
    if (label) {
      const verdict = item.verdicts.find((v) => v.judgement === audit.judgement && v.response === unit.response);
      const same = verdict && verdict.outcome === label.outcome;
      box.append(h("p", { id: "audit-reveal", class: same ? "agree" : "differ" },
        "You: " + label.outcome + " · judge: " + (verdict ? verdict.outcome : "n/a") + (same ? " (agree)" : " (differ)")),
      card(item, null));
    } else {
      box.append(blindCard(item));
    }
    const outcomes = [...DATA.audit[audit.run][audit.judgement], CANT_TELL];
    outcomes.forEach((outcome, index) => {
      const key = outcome === CANT_TELL ? "0" : String(index + 1);
      const button = h("button", {
        type: "button", class: "audit-outcome" + (label && label.outcome === outcome ? " chosen" : ""),
        "data-outcome": outcome, disabled: Boolean(label),
      }, key + " · " + outcome);
      button.addEventListener("click", () => decide(outcome));
      buttons.append(button);
    });
    $("audit-note").value = label ? label.note : "";
    $("audit-note").disabled = Boolean(label);
  }

  // ---- export and import ---------------------------------------------------------------------
  function exportLabels() {
    const text = labelLines().join("\n") + "\n";
    $("audit-export-text").value = text;
    $("audit-export-text").hidden = false;
    const link = $("audit-download");
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([text], { type: "application/x-ndjson" }));
    link.download = "labels.jsonl";
    link.hidden = false;
    link.click();
  }

  function importLabels(text) {
    imported = [];
    const problems = [];
    text.split("\n").forEach((line, index) => {
      if (!line.trim()) return;
      try {
        imported.push(JSON.parse(line));
      } catch (error) {
        problems.push("line " + (index + 1) + " is not JSON");
      }
    });
    const rows = imported.map((label) => {
      const runIndex = runs.findIndex((run) => run.task === label.task && (!label.run || run.model === label.run));
      const item = runIndex < 0 ? null : itemAt(runIndex, label.doc_id);
      const response = label.response || 0;
      const verdict = item && item.verdicts.find((v) => v.response === response &&
        (!label.judgement || v.judgement === label.judgement));
      const judged = verdict ? verdict.outcome || verdict.status : "not on this page";
      return { label, judged, agree: verdict ? verdict.outcome === label.outcome : null };
    });
    const compared = rows.filter((row) => row.agree !== null && row.label.outcome !== CANT_TELL);
    const agreeing = compared.filter((row) => row.agree).length;
    $("audit-imported").replaceChildren(
      h("p", { id: "audit-imported-summary" }, imported.length + " labels imported; people and judge agree on " +
        agreeing + " of the " + compared.length + " compared" + (problems.length ? " · " + problems.join(", ") : "")),
      h("table", { id: "audit-imported-table" },
        h("thead", null, h("tr", null, ["run", "task", "doc_id", "response", "people", "judge", ""]
          .map((name) => h("th", null, name)))),
        h("tbody", null, rows.map((row) => h("tr", { class: row.agree === false ? "differ" : null },
          h("td", null, row.label.run || ""), h("td", null, String(row.label.task)), h("td", { class: "num" }, String(row.label.doc_id)),
          h("td", { class: "num" }, String(row.label.response || 0)), h("td", null, String(row.label.outcome)),
          h("td", null, row.judged), h("td", null, row.agree === null ? "" : row.agree ? "agree" : "differ"))))));
  }

  // ---- wiring ------------------------------------------------------------------------------
  function build() {
    const file = h("input", { type: "file", id: "audit-import", accept: ".jsonl,.json,text/plain" });
    file.addEventListener("change", () => {
      if (file.files.length) file.files[0].text().then(importLabels);
    });
    const reset = h("button", { type: "button", id: "audit-reset" }, "discard these labels and draw again");
    reset.addEventListener("click", () => {
      audit = null;
      try { localStorage.removeItem(STORE); } catch (error) { /* nothing saved */ }
      setup();
      show();
    });
    const back = h("button", { type: "button", id: "audit-back" }, "← back");
    back.addEventListener("click", () => move(-1));
    const next = h("button", { type: "button", id: "audit-next" }, "next →");
    next.addEventListener("click", () => move(1));
    const exporter = h("button", { type: "button", id: "audit-export" }, "export labels.jsonl");
    exporter.addEventListener("click", exportLabels);
    $("audit-view").append(
      h("div", { id: "audit-setup" }),
      h("div", { id: "audit-work", hidden: true },
        h("p", { id: "audit-progress" }),
        h("div", { id: "audit-item" }),
        h("div", { id: "audit-buttons" }),
        h("label", { class: "audit-note" }, "note (optional)", h("textarea", { id: "audit-note", rows: 2 })),
        h("div", { class: "audit-nav" }, back, next, exporter, reset, h("span", { id: "audit-saved" })),
        h("a", { id: "audit-download", hidden: true }, "labels.jsonl"),
        h("textarea", { id: "audit-export-text", readOnly: true, rows: 6, hidden: true })),
      h("div", { class: "audit-import" }, h("label", null, "import labels.jsonl to see them against the verdicts ", file),
        h("div", { id: "audit-imported" })));
    const others = ["items-view", "pairs-view"];
    $("tab-audit").addEventListener("click", () => {
      for (const id of others) $(id).hidden = true;
      for (const id of ["tab-items", "tab-pairs"]) $(id).classList.remove("active");
      $("audit-view").hidden = false;
      $("tab-audit").classList.add("active");
    });
    for (const id of ["tab-items", "tab-pairs"]) {
      $(id).addEventListener("click", () => { $("audit-view").hidden = true; $("tab-audit").classList.remove("active"); });
    }
    document.addEventListener("keydown", (event) => {
      if ($("audit-view").hidden || audit === null || ["TEXTAREA", "INPUT", "SELECT"].includes(event.target.tagName)) return;
      if (event.key === "Enter" || event.key === "ArrowRight") move(1);
      else if (event.key === "ArrowLeft") move(-1);
      else if (/^[0-9]$/.test(event.key) && audit.position < audit.units.length) {
        const outcomes = DATA.audit[audit.run][audit.judgement];
        const index = Number(event.key);
        if (index === 0) decide(CANT_TELL);
        else if (index <= outcomes.length) decide(outcomes[index - 1]);
      }
    });
    audit = load();
    setup();
    show();
  }

  build();
})();
