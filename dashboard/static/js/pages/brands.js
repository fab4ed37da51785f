// All brands side by side (the PR desk's competitor view): share of voice by mentions and by reach, sentiment
// per brand over the period and over time, and the sources and authors that reach furthest. Every number links
// to the search page with the filters that list exactly its posts (GET /stats/brands gives them).

import { api } from "../api.js";
import { brandLinesChart } from "../charts.js";
import { h, clear, field, select, internalLink, panel } from "../dom.js";
import { t, label, fmtNumber, fmtPercent } from "../i18n.js";
import { RANGES } from "./overview.js";

/** An instant as the search page's ``datetime-local`` value (local time, minutes). */
export function localInput(value) {
  const d = new Date(value);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function searchLink(view, link, text, props = {}) {
  const query = { ...link, since: localInput(view.since), until: localInput(view.until) };
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v));
  return internalLink(`/search?${params}`, text, props);
}

export function render(main, ctx) {
  const params = ctx.route.params;
  const rangeName = RANGES[params.get("range")] ? params.get("range") : "30d";
  const range = RANGES[rangeName];
  const since = new Date(Date.now() - range.hours * 3600 * 1000).toISOString();
  const rangeSelect = select(
    "range",
    Object.entries(RANGES).map(([name, r]) => [name, t(r.text)]),
    rangeName,
    { dataset: { testid: "brands-range" } },
  );
  rangeSelect.addEventListener("change", () => ctx.navigate("/brands", { range: rangeSelect.value }));
  main.append(
    h("h1", { class: "page-title", text: t("brandsTitle") }),
    h("div", { class: "toolbar" }, field(t("range"), rangeSelect)),
  );
  const view = api("/stats/brands", { query: { since, interval: range.interval, limit: 10 } });
  main.append(
    h(
      "div",
      { class: "grid" },
      panel(t("shareOfVoice"), "share-of-voice", async (body) => shareTable(body, await view), { wide: true }),
      panel(t("negativeShareByBrand"), "brand-sentiment", async (body) => lines(body, await view, "negative"), { wide: true }),
      panel(t("volumeByBrand"), "brand-volume", async (body) => lines(body, await view, "count"), { wide: true }),
      panel(t("topSourcesByReach"), "top-sources", async (body) => sources(body, await view)),
      panel(t("topAuthorsByReach"), "top-authors", async (body) => authors(body, await view)),
    ),
  );
}

function shareTable(body, view) {
  if (!view.brands.length) {
    clear(body, h("p", { class: "muted", text: t("nothing") }));
    return;
  }
  const rows = view.brands.map((b) =>
    h(
      "tr",
      { dataset: { brand: b.brand } },
      h("td", { text: b.brand }),
      h("td", {}, searchLink(view, b.search, fmtNumber(b.mentions), { dataset: { testid: "sov-mentions" } })),
      h("td", { text: b.share === null ? "–" : fmtPercent(b.share) }),
      h("td", { text: b.reach_share === null ? "–" : fmtPercent(b.reach_share) }),
      h("td", { text: fmtNumber(b.positive) }),
      h("td", { text: fmtNumber(b.neutral) }),
      h("td", {}, searchLink(view, b.negative_search, fmtNumber(b.negative), { dataset: { testid: "sov-negative" } })),
      h("td", { text: b.negative_share === null ? "–" : fmtPercent(b.negative_share) }),
      h("td", { text: b.net_sentiment === null ? "–" : fmtNumber(b.net_sentiment) }),
    ),
  );
  const sentiment = (name) => label("sentiment", name);
  const columns = [
    t("brand"),
    t("mentionCount"),
    t("shareOfVoiceShort"),
    t("reachShare"),
    sentiment("positive"),
    sentiment("neutral"),
    sentiment("negative"),
    t("negativeShare"),
    t("netSentiment"),
  ];
  clear(
    body,
    h("p", { class: "muted", text: t("shareOfVoiceHelp", { total: fmtNumber(view.total) }) }),
    h(
      "table",
      { class: "table", dataset: { testid: "brands-share" } },
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { text: c })))),
      h("tbody", {}, rows),
    ),
  );
}

function lines(body, view, measure) {
  const box = h("div", { class: "chart chart-trend", dataset: { testid: `brands-chart-${measure}` } });
  clear(body, box);
  if (!body.isConnected) return;
  if (measure === "negative") brandLinesChart(box, view.series, (b) => b.negative_share, { percent: true });
  else brandLinesChart(box, view.series, (b) => b.count);
}

function reachTable(body, rows, testid, columns) {
  if (!rows.length) {
    clear(body, h("p", { class: "muted", text: t("nothing") }));
    return;
  }
  clear(
    body,
    h(
      "table",
      { class: "table", dataset: { testid } },
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { text: t(c) })))),
      h("tbody", {}, rows),
    ),
  );
}

function sources(body, view) {
  const rows = view.sources.map((s) =>
    h(
      "tr",
      {},
      h("td", { text: s.source }),
      h("td", { text: s.platform }),
      h("td", {}, searchLink(view, s.search, fmtNumber(s.mentions))),
      h("td", { text: fmtNumber(s.total_reach) }),
    ),
  );
  reachTable(body, rows, "brands-sources", ["source", "platform", "mentionCount", "reach"]);
}

function authors(body, view) {
  const rows = view.authors.map((a) =>
    h(
      "tr",
      {},
      h("td", {}, searchLink(view, a.search, a.author)),
      h("td", { text: a.platform }),
      h("td", { text: a.followers === null ? "–" : fmtNumber(a.followers) }),
      h("td", { text: fmtNumber(a.mentions) }),
      h("td", { text: fmtNumber(a.total_reach) }),
    ),
  );
  reachTable(body, rows, "brands-authors", ["author", "platform", "followers", "mentionCount", "reach"]);
}
