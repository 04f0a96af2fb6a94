"use strict";
// The verdict browser. Every string from data, models and judges reaches the page through
// textContent or a DOM property (never as markup); lists render in chunks as they scroll into view.
(function () {
  const DATA = JSON.parse(document.getElementById("view-data").textContent);
  const IMAGES = JSON.parse(document.getElementById("view-images").textContent);
  const CHUNK = 50;
  const runs = DATA.runs;
  const items = DATA.items;
  const $ = (id) => document.getElementById(id);

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "onclick") el.addEventListener("click", value);
      else if (key.startsWith("data-")) el.setAttribute(key, String(value));
      else el[key] = value;
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
    }
    return el;
  }

  const slug = (text) => String(text).toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const runName = (run) => run.model + " · " + run.task + (run.replaced_by ? " (older run " + run.date + ")" : "");
  const STATUS_RANK = { "judge error": 0, "data error": 1, "not judged": 2, ok: 3 };

  for (const [index, item] of items.entries()) {
    const run = runs[item.run];
    item.index = index;
    item.model = run.model;
    item.task = run.task;
    item.benchmark = run.title;
    item.categoryTokens = item.categories.map(([field, value]) => field + ": " + value);
    const verdictText = item.verdicts.flatMap((v) => [
      v.outcome, v.label, v.judge, v.error, v.raw, ...v.fields.map(([, value]) => value),
    ]);
    item.haystack = [
      item.query, ...item.answers, item.detail, item.no_image, run.model, run.task, run.samples_file,
      "doc " + item.doc, ...item.identity.map(([field, value]) => field + " " + value),
      ...item.categoryTokens, ...verdictText,
    ].filter((part) => part !== null && part !== undefined).join("\n").toLowerCase();
  }
  const itemOf = new Map(items.map((item) => [item.run + ":" + item.doc, item]));

  // ---- header ------------------------------------------------------------------------------
  function header() {
    $("title").textContent = DATA.title;
    $("subtitle").textContent = items.length + " items from " + runs.length + " runs of " +
      DATA.models.length + " models · generated " + DATA.generated;
    const headline = DATA.headline;
    if (headline.rows.length) {
      $("headline").append(
        h("p", { class: "section-title" },
          "Headline rates (as vlsbench-task report gives them: percent, 95 % interval; over each whole run, filters do not change them)"),
        h("table", { id: "headline-table" },
          h("thead", null, h("tr", null, h("th", null, "task"), h("th", null, "headline"),
            headline.models.map((model) => h("th", { class: "num" }, model)))),
          h("tbody", null, headline.rows.map((row) => h("tr", null,
            h("th", null, row.task + (row.group ? " (suite)" : "")), h("td", null, row.metric + (row.higher ? " ↑" : " ↓")),
            row.cells.map((cell) => h("td", { class: "num" }, cell)))))));
    }
    const statuses = DATA.statuses;
    $("runs").append(h("table", { id: "runs-table" },
      h("thead", null, h("tr", null, ["model", "task", "benchmark", "judge", "items", ...statuses, "samples file"]
        .map((name) => h("th", null, name)))),
      h("tbody", null, runs.map((run) => h("tr", null,
        h("td", { title: run.model_full }, run.model),
        h("td", null, run.task + (run.replaced_by ? " (older run " + run.date + "; the headline is of " + run.replaced_by + ")" : "")),
        h("td", null, run.title),
        h("td", null, run.judge || (run.judged ? "none ok" : "parsed")), h("td", { class: "num" }, run.items),
        statuses.map((status) => h("td", { class: "num" }, run.statuses[status])),
        h("td", null, run.samples_href ? h("a", { href: run.samples_href }, run.samples_file) : run.samples_file))))));
    $("notes").append(...DATA.notes.map((note) => h("li", null, note)));
  }

  // ---- one item ------------------------------------------------------------------------------
  function openLightbox(picture, caption) {
    const image = $("lightbox-image");
    image.onload = () => {  // up to twice its pixels, within the window
      const scale = Math.min(2, (0.92 * innerWidth) / image.naturalWidth, (0.84 * innerHeight) / image.naturalHeight);
      image.style.width = Math.round(image.naturalWidth * Math.max(1, scale)) + "px";
    };
    image.src = "data:image/jpeg;base64," + picture[0];
    $("lightbox-caption").textContent = caption;
    $("lightbox").hidden = false;
  }

  function verdictBlock(v, several, highlight) {
    const ok = v.status === "ok";
    const differs = highlight && highlight.judgement === v.judgement && highlight.response === v.response;
    return h("div", { class: "verdict " + (ok ? "v-ok" : "v-error") },
      h("div", null,
        several && v.judgement ? h("b", null, v.judgement + ": ") : null,
        h("span", { class: "badge outcome" + (differs ? " differs" : "") }, ok ? (v.outcome || "ok") : v.status),
        v.label !== null ? " " + v.label_field + " " + v.label : null),
      v.fields.map(([name, value]) => h("div", { class: "field" }, h("b", null, name + ": "), value)),
      v.error ? h("div", { class: "field" }, h("b", null, "error: "), v.error) : null,
      v.raw ? h("div", { class: "field" }, h("b", null, "judge's text: "), v.raw) : null,
      h("div", { class: "field" }, h("b", null, "judge: "), v.judge || "unknown"));
  }

  function card(item, highlight) {
    const run = runs[item.run];
    const picture = item.image ? IMAGES[item.image] : null;
    const caption = runName(run) + " · doc_id " + item.doc +
      (picture ? " · original " + picture[1][0] + "×" + picture[1][1] + " px" : "");
    const thumb = picture
      ? h("img", {
        src: "data:image/jpeg;base64," + picture[0], alt: "image of doc_id " + item.doc,
        title: "click to enlarge", onclick: () => openLightbox(picture, caption),
      })
      : h("div", { class: "noimg" }, "no image: " + (item.no_image || "unknown"));
    const several = new Set(item.verdicts.map((v) => v.judgement)).size > 1;
    const answers = item.answers.map((answer, index) => [
      h("div", { class: "section-title" },
        item.answers.length > 1 ? "answer " + (index + 1) + " of " + item.answers.length : "answer"),
      h("pre", { class: "text answer" }, answer),
      item.verdicts.filter((v) => v.response === index).map((v) => verdictBlock(v, several, highlight)),
    ]);
    const unplaced = item.verdicts.filter((v) => v.response >= item.answers.length);
    return h("li", { class: "card", "data-status": item.status, "data-doc": item.doc },
      h("div", { class: "thumb" }, thumb),
      h("div", { class: "body" },
        h("div", { class: "meta" },
          h("span", { class: "badge s-" + slug(item.status) }, item.status),
          item.detail ? h("span", null, item.detail) : null,
          h("span", null, run.title), h("span", null, run.task), h("span", { title: run.model_full }, run.model),
          item.categoryTokens.map((token) => h("span", { class: "cat" }, token))),
        h("div", { class: "section-title" }, "query"),
        h("pre", { class: "text query" }, item.query === null ? "(not logged)" : item.query),
        answers,
        unplaced.map((v) => verdictBlock(v, several, highlight)),
        h("div", { class: "ref" }, "samples file ",
          run.samples_href ? h("a", { href: run.samples_href }, run.samples_file) : run.samples_file,
          " · line " + item.line + " · doc_id " + item.doc,
          item.identity.length ? " · " + item.identity.map(([field, value]) => field + " " + value).join(" · ") : "")));
  }

  // ---- lists rendered in chunks --------------------------------------------------------------
  const growers = new Map();
  const observer = "IntersectionObserver" in window
    ? new IntersectionObserver((entries) => {
      for (const entry of entries) if (entry.isIntersecting && growers.get(entry.target)) growers.get(entry.target)();
    }, { rootMargin: "600px" })
    : null;

  function renderList(list, container, moreBox, render) {
    container.replaceChildren();
    let next = 0;
    function more() {
      const end = Math.min(list.length, next + CHUNK);
      const fragment = document.createDocumentFragment();
      for (; next < end; next++) fragment.append(render(list[next]));
      container.append(fragment);
      moreBox.replaceChildren();
      if (next < list.length) {
        moreBox.append(h("button", { type: "button", onclick: more }, "show more (" + (list.length - next) + " left)"));
      }
      growers.set(moreBox, next < list.length ? more : null);
    }
    more();
    if (observer) observer.observe(moreBox);
  }

  // ---- items view: filters, counts, sort -------------------------------------------------------
  const FACETS = [
    { key: "benchmark", label: "benchmark", values: (item) => [item.benchmark] },
    { key: "model", label: "model", values: (item) => [item.model] },
    { key: "task", label: "task", values: (item) => [item.task] },
    { key: "category", label: "category", values: (item) => item.categoryTokens },
    { key: "label", label: "label", values: (item) => (item.labels.length ? item.labels : ["(no label)"]) },
    { key: "status", label: "status", values: (item) => [item.status] },
  ];
  const byText = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  const SORTS = {
    run: ["run, then doc_id", (a, b) => a.index - b.index],
    doc: ["doc_id, then run", (a, b) => a.doc - b.doc || a.run - b.run],
    status: ["status (errors first)", (a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || a.index - b.index],
    label: ["label", (a, b) => byText(a.labels[0] || "~", b.labels[0] || "~") || a.index - b.index],
    category: ["category", (a, b) => byText(a.categoryTokens[0] || "~", b.categoryTokens[0] || "~") || a.index - b.index],
    model: ["model", (a, b) => byText(a.model, b.model) || a.index - b.index],
    answer: ["answer length (longest first)",
      (a, b) => b.answers.join("").length - a.answers.join("").length || a.index - b.index],
  };
  const state = { text: "", sort: "run" };
  const selects = {};

  function filters() {
    const box = $("filters");
    for (const facet of FACETS) {
      state[facet.key] = "";
      const values = [...new Set(items.flatMap(facet.values))].sort(byText);
      const select = h("select", { id: "filter-" + facet.key, "data-facet": facet.key },
        h("option", { value: "" }, "all"), values.map((value) => h("option", { value }, value)));
      select.addEventListener("change", () => { state[facet.key] = select.value; update(); });
      selects[facet.key] = select;
      box.append(h("label", null, facet.label, select));
    }
    const search = h("input", { type: "search", id: "filter-text", placeholder: "words in query, answer, verdict..." });
    search.addEventListener("input", () => { state.text = search.value; update(); });
    const sort = h("select", { id: "sort" }, Object.entries(SORTS).map(([value, [name]]) => h("option", { value }, name)));
    sort.addEventListener("change", () => { state.sort = sort.value; update(); });
    box.append(h("label", null, "text", search), h("label", null, "sort", sort));
  }

  function update() {
    const terms = state.text.toLowerCase().split(/\s+/).filter(Boolean);
    const counts = Object.fromEntries(FACETS.map((facet) => [facet.key, new Map()]));
    const totals = Object.fromEntries(FACETS.map((facet) => [facet.key, 0]));
    const shown = [];
    for (const item of items) {
      if (terms.length && !terms.every((term) => item.haystack.includes(term))) continue;
      let failing = null;
      let fails = 0;
      for (const facet of FACETS) {
        if (state[facet.key] && !facet.values(item).includes(state[facet.key])) {
          fails += 1;
          failing = facet.key;
        }
      }
      if (fails > 1) continue;
      for (const facet of FACETS) {
        if (fails === 1 && failing !== facet.key) continue;
        totals[facet.key] += 1;
        for (const value of facet.values(item)) counts[facet.key].set(value, (counts[facet.key].get(value) || 0) + 1);
      }
      if (fails === 0) shown.push(item);
    }
    // Each option counts the items it would show given the other filters.
    for (const facet of FACETS) {
      for (const option of selects[facet.key].options) {
        const n = option.value ? counts[facet.key].get(option.value) || 0 : totals[facet.key];
        option.textContent = (option.value || "all") + " (" + n + ")";
      }
    }
    shown.sort(SORTS[state.sort][1]);
    const count = $("count");
    count.textContent = shown.length + " of " + items.length + " items";
    count.dataset.shown = shown.length;
    count.dataset.total = items.length;
    const tally = (values) => {
      const found = new Map();
      for (const value of values) found.set(value, (found.get(value) || 0) + 1);
      return [...found].map(([value, n]) => value + " " + n).join(" · ");
    };
    $("facets").textContent = "status: " + (tally(shown.map((item) => item.status)) || "none") +
      "   |   label: " + (tally(shown.flatMap((item) => item.labels)) || "none");
    renderList(shown, $("items"), $("items-more"), (item) => card(item, null));
  }

  // ---- disagreement view --------------------------------------------------------------------
  const pairState = { pair: 0, judgement: null, cell: null };

  function unitOf(key) {
    const [doc, response] = String(key).split("#");
    return { doc: Number(doc), response: response === undefined ? 0 : Number(response) };
  }

  function kappaText(kappa) {
    if (kappa.value === null) return "n/a (" + kappa.note + ")";
    if (kappa.low === null) return kappa.value.toFixed(3) + " (" + kappa.note + ")";
    return kappa.value.toFixed(3) + " [" + kappa.low.toFixed(3) + ", " + kappa.high.toFixed(3) + "]";
  }

  const fixed = (value) => (value === null || value === undefined ? "n/a" : value.toFixed(1));

  function pairControls() {
    const box = $("pair-controls");
    if (!DATA.pairs.length) {
      box.append(h("p", null, "No two runs of the same judged benchmark to compare."));
      return;
    }
    const choose = h("select", { id: "pair-select" }, DATA.pairs.map((pair, index) => {
      const [a, b] = [runs[pair.a], runs[pair.b]];
      const found = Object.values(pair.judgements);
      const count = found.reduce((sum, one) => sum + one.disagreements.length, 0);
      const compared = found.reduce((sum, one) => sum + one.n, 0);
      return h("option", { value: String(index) },
        a.title + ": A " + runName(a) + " vs B " + runName(b) + " (" + (compared ? count + " differ" : "no item compared") + ")");
    }));
    choose.addEventListener("change", () => {
      pairState.pair = Number(choose.value);
      pairState.judgement = null;
      pairState.cell = null;
      showPair();
    });
    box.append(h("label", null, "runs compared", choose), h("span", { id: "judgement-box" }));
    // Open on the first pair that disagrees somewhere.
    const first = DATA.pairs.findIndex((pair) => Object.values(pair.judgements).some((f) => f.disagreements.length));
    pairState.pair = Math.max(0, first);
    choose.value = String(pairState.pair);
  }

  function showPair() {
    if (!DATA.pairs.length) return;
    const pair = DATA.pairs[pairState.pair];
    const names = Object.keys(pair.judgements);
    if (!names.includes(pairState.judgement)) pairState.judgement = names[0];
    const box = $("judgement-box");
    box.replaceChildren();
    if (names.length > 1) {
      const choose = h("select", { id: "judgement-select" }, names.map((name) => h("option", { value: name }, name)));
      choose.value = pairState.judgement;
      choose.addEventListener("change", () => { pairState.judgement = choose.value; pairState.cell = null; showPair(); });
      box.append(h("label", null, "judgement", choose));
    }
    const found = pair.judgements[pairState.judgement];
    const [a, b] = [runs[pair.a], runs[pair.b]];
    const summary = $("pair-summary");
    summary.replaceChildren(
      h("div", { class: "stats" },
        h("div", null, h("b", null, "A: "), runName(a) + " (judge " + (a.judge || "n/a") + ")"),
        h("div", null, h("b", null, "B: "), runName(b) + " (judge " + (b.judge || "n/a") + ")"),
        h("div", null, pair.kind + "; " + pair.items_in_both + " items in both; compared (judged ok by both): " +
          found.n + "; they differ on " + found.disagreements.length + "; raw agreement " +
          fixed(found.raw_agreement) + " %; Cohen's kappa " + kappaText(found.kappa) + " (rubric " + found.rubric + ")"),
        pair.responses_differ
          ? h("div", null, h("b", null, "The responses differ"),
            " on " + pair.responses_differ + " of these items: differences mix model and judge.")
          : null),
      confusionTable(found),
      h("ul", { id: "unmatched" }, Object.entries(found.unmatched).filter(([, n]) => n)
        .map(([reason, n]) => h("li", null, DATA.unmatched[reason] + ": " + n))),
      pair.task_metrics.length ? metricsTable(pair) : null);
    const chosen = pairState.cell;
    const list = found.disagreements.filter((d) => !chosen || (d.a === chosen[0] && d.b === chosen[1]));
    $("pair-items").dataset.shown = list.length;
    renderList(list, $("pair-items"), $("pair-more"), (d) => pairCard(pair, d));
  }

  function confusionTable(found) {
    const outcomes = found.confusion.rows_a;
    const counts = found.confusion.counts;
    return h("table", { id: "confusion" },
      h("caption", null, "Confusion counts (rows: A's outcome, columns: B's; click a red cell to list only its items)"),
      h("thead", null, h("tr", null, h("th", null, "A \\ B"), outcomes.map((o) => h("th", { class: "num" }, o)))),
      h("tbody", null, outcomes.map((rowOutcome, i) => h("tr", null, h("th", null, rowOutcome),
        counts[i].map((n, j) => {
          const chosen = pairState.cell && pairState.cell[0] === rowOutcome && pairState.cell[1] === outcomes[j];
          const cell = h("td", {
            class: "num cell " + (i === j ? "diag" : "off") + (chosen ? " chosen" : ""),
            "data-a": rowOutcome, "data-b": outcomes[j],
          }, n);
          if (i !== j) {
            cell.addEventListener("click", () => {
              pairState.cell = chosen ? null : [rowOutcome, outcomes[j]];
              showPair();
            });
          }
          return cell;
        })))));
  }

  function metricsTable(pair) {
    return h("table", { id: "pair-metrics" },
      h("caption", null, "Task metrics each side implies over the items both scored (B − A in points)"),
      h("thead", null, h("tr", null, ["metric", "n", "A", "B", "B − A"].map((name) => h("th", null, name)))),
      h("tbody", null, pair.task_metrics.map((m) => h("tr", null,
        h("td", null, m.name === pair.headline ? m.name + " (headline)" : m.name), h("td", { class: "num" }, m.n),
        h("td", { class: "num" }, fixed(m.a)), h("td", { class: "num" }, fixed(m.b)),
        h("td", { class: "num" }, (m.difference >= 0 ? "+" : "") + fixed(m.difference))))));
  }

  function pairCard(pair, difference) {
    const unit = unitOf(difference.key);
    const highlight = { judgement: pairState.judgement, response: unit.response };
    const side = (runIndex) => {
      const item = itemOf.get(runIndex + ":" + unit.doc);
      return item ? card(item, highlight) : h("div", { class: "noimg" }, "not in this run");
    };
    return h("li", { class: "pair", "data-key": difference.key },
      h("div", { class: "head" }, "unit " + difference.key + ": A says " + difference.a + ", B says " + difference.b),
      side(pair.a), side(pair.b));
  }

  // ---- wiring ------------------------------------------------------------------------------
  function tabs() {
    const show = (pairs) => {
      $("items-view").hidden = pairs;
      $("pairs-view").hidden = !pairs;
      $("tab-items").classList.toggle("active", !pairs);
      $("tab-pairs").classList.toggle("active", pairs);
    };
    $("tab-items").addEventListener("click", () => show(false));
    $("tab-pairs").addEventListener("click", () => show(true));
    const close = () => { $("lightbox").hidden = true; $("lightbox-image").removeAttribute("src"); };
    $("lightbox").addEventListener("click", close);
    document.addEventListener("keydown", (event) => { if (event.key === "Escape") close(); });
  }

  // What the audit mode (page_audit.js, appended to this script) builds on.
  window.VLSBENCH_VIEW = { DATA, IMAGES, runs, items, card, h };
  header();
  filters();
  tabs();
  update();
  pairControls();
  showPair();
  performance.mark("view-ready");
  document.body.dataset.ready = "1";
})();
