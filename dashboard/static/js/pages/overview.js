// Overview of one brand: the trend with alert markers, platforms, words, open alerts, overdue tickets and
// source health. Each panel loads on its own; one that fails says so and the others still show.

import { api } from "../api.js";
import { trendChart, barChart } from "../charts.js";
import { h, clear, panel, internalLink, externalLink, select, badge, field, reasonOf, truncate } from "../dom.js";
import { t, fmtTime, fmtNumber } from "../i18n.js";
import { crisisBanner } from "../crisis.js";

export const RANGES = {
  "48h": { hours: 48, interval: "hour", text: "range48h" },
  "7d": { hours: 24 * 7, interval: "hour", text: "range7d" },
  "30d": { hours: 24 * 30, interval: "day", text: "range30d" },
  "90d": { hours: 24 * 90, interval: "day", text: "range90d" },
};

export function render(main, ctx) {
  const brands = ctx.session.brands;
  const params = ctx.route.params;
  const brand = brands.includes(params.get("brand")) ? params.get("brand") : brands[0];
  const rangeName = RANGES[params.get("range")] ? params.get("range") : "30d";
  const range = RANGES[rangeName];
  const since = new Date(Date.now() - range.hours * 3600 * 1000).toISOString();

  const brandSelect = select(
    "brand",
    brands.map((b) => [b, b]),
    brand,
    { dataset: { testid: "overview-brand" } },
  );
  const rangeSelect = select(
    "range",
    Object.entries(RANGES).map(([name, r]) => [name, t(r.text)]),
    rangeName,
  );
  const go = () => ctx.navigate("/overview", { brand: brandSelect.value, range: rangeSelect.value });
  brandSelect.addEventListener("change", go);
  rangeSelect.addEventListener("change", go);
  main.append(crisisBanner(), h("div", { class: "toolbar" }, field(t("brand"), brandSelect), field(t("range"), rangeSelect)));

  if (!brand) {
    main.append(h("p", { class: "muted", text: t("nothing") }));
    return;
  }
  main.append(
    h(
      "div",
      { class: "grid" },
      panel(t("trendTitle"), "trend", (body) => loadTrend(body, brand, range, since), { wide: true }),
      panel(t("byPlatform"), "platforms", (body) => loadFacets(body, brand, since, "platforms")),
      panel(t("topWords"), "top-words", (body) => loadFacets(body, brand, since, "top")),
      panel(t("risingWords"), "rising-words", (body) => loadFacets(body, brand, since, "rising")),
      panel(t("topReach"), "top-reach", (body) => loadReach(body, brand, since), { wide: true }),
      panel(t("openAlerts"), "open-alerts", (body) => loadOpenAlerts(body, brand)),
      panel(t("overdueTickets"), "overdue", (body) => loadOverdue(body, brand)),
      panel(t("sourceHealth"), "sources", loadSources, { wide: true }),
    ),
  );
}

async function loadTrend(body, brand, range, since) {
  const trendPromise = api("/stats/trend", { query: { brand, interval: range.interval, since } });
  const eventsPromise = api("/alerts/events", { query: { brand, kind: "fired", since, limit: 200 } }).then(
    (data) => ({ events: data.items || [] }),
    (error) => ({ events: [], error }),
  );
  const [trend, { events, error }] = await Promise.all([trendPromise, eventsPromise]);
  const series = (trend.series || []).find((s) => s.brand === brand) || { buckets: [], total: 0, negative: 0 };
  const chartBox = h("div", { class: "chart chart-trend", dataset: { testid: "trend-chart" } });
  const alertList = h("ul", { class: "plain markers", dataset: { testid: "trend-alerts" } });
  clear(
    body,
    h("p", { class: "muted", text: t("totalMentions", { total: fmtNumber(series.total), negative: fmtNumber(series.negative) }) }),
    chartBox,
    h("h3", { text: t("alertsInRange") }),
    error ? h("div", { class: "unavailable", text: t("trendNoMarkers", { reason: reasonOf(error) }) }) : alertList,
  );
  if (!body.isConnected) return;
  trendChart(chartBox, series, events, { since: trend.since, until: trend.until });
  if (!error) {
    if (!events.length) alertList.append(h("li", { class: "muted", text: t("noAlertsInRange") }));
    for (const event of events) {
      const text = `${fmtTime(event.at)} · ${event.rule} · ${event.summary || ""}`;
      alertList.append(
        h("li", {}, event.incident ? internalLink(`/alerts/${encodeURIComponent(event.incident)}`, text) : text),
      );
    }
  }
}

// One request for the three facet panels of a brand (they share it).
const facetRequests = new Map();

function facetsOf(brand, since) {
  const key = `${brand}\u0000${since}`;
  if (!facetRequests.has(key)) {
    facetRequests.clear();
    facetRequests.set(key, api("/mentions/facets", { query: { brand, since } }));
  }
  return facetRequests.get(key);
}

async function loadFacets(body, brand, since, part) {
  const data = await facetsOf(brand, since);
  if (part === "platforms") {
    const items = (data.facets && data.facets.platform) || [];
    if (!items.length) return clear(body, h("p", { class: "muted", text: t("nothing") }));
    const box = h("div", { class: "chart chart-small", dataset: { testid: "platform-chart" } });
    clear(body, box);
    if (body.isConnected) barChart(box, items.slice(0, 12));
    return;
  }
  const words = (part === "top" ? data.top_words : data.rising_words) || [];
  if (!words.length) return clear(body, h("p", { class: "muted", text: t("nothing") }));
  const max = Math.max(...words.map((w) => w.count), 1);
  const list = h("ol", { class: "words", dataset: { testid: part === "top" ? "top-words" : "rising-words" } });
  for (const w of words.slice(0, 15)) {
    const bar = h("span", { class: "word-bar" });
    bar.style.width = `${Math.round((w.count / max) * 100)}%`;
    const detail =
      part === "top"
        ? fmtNumber(w.count)
        : t("risingDetail", { count: fmtNumber(w.count), previous: fmtNumber(w.previous), ratio: fmtNumber(w.ratio) });
    list.append(
      h(
        "li",
        {},
        internalLink(`/search?${new URLSearchParams({ q: quoteWord(w.word), brand })}`, w.word, { class: "word" }),
        h("span", { class: "word-track" }, bar),
        h("span", { class: "word-count", text: detail }),
      ),
    );
  }
  clear(body, list);
}

/** A word as a query term: quoted when it is not a plain word. */
export function quoteWord(word) {
  return /^[\p{L}\p{N}_]+$/u.test(word) ? word : `"${word.replace(/[\\"]/g, "\\$&")}"`;
}

// The negative posts that reach furthest, and the authors behind them (GET /stats/reach).
async function loadReach(body, brand, since) {
  const data = await api("/stats/reach", { query: { brand, since, sentiment: "negative", limit: 10 } });
  const posts = data.posts || [];
  const authors = data.authors || [];
  if (!posts.length) return clear(body, h("p", { class: "muted", text: t("noReach") }));
  const authorRows = authors.map((a) =>
    h(
      "tr",
      {},
      h("td", { text: a.platform }),
      h("td", {}, a.author, a.verified ? [" ", h("span", { class: "badge", text: t("verified") })] : null),
      h("td", { text: a.followers == null ? "" : fmtNumber(a.followers) }),
      h("td", { text: fmtNumber(a.mentions) }),
      h("td", { text: fmtNumber(a.total_reach) }),
    ),
  );
  clear(
    body,
    h("h3", { text: t("topAuthors") }),
    h(
      "table",
      { class: "table", dataset: { testid: "top-authors" } },
      h("thead", {}, h("tr", {}, [t("platform"), t("author"), t("followers"), t("mentionCount"), t("reach")].map((c) => h("th", { text: c })))),
      h("tbody", {}, authorRows),
    ),
    h("h3", { text: t("topPosts") }),
    h(
      "ul",
      { class: "plain cards", dataset: { testid: "top-posts" } },
      posts.map((m) =>
        h(
          "li",
          { class: "card" },
          h("div", {}, h("strong", { text: `${t("reach")} ${fmtNumber(m.reach)}` }), ` · ${m.platform} · ${m.author || t("anonymous")} · ${fmtTime(m.published_at)}`),
          externalLink(m.url, truncate(m.title || m.text, 120)),
        ),
      ),
    ),
  );
}

async function loadOpenAlerts(body, brand) {
  const data = await api("/alerts", { query: { brand, firing: true } });
  const items = (data.items || []).filter((item) => item.firing);
  if (!items.length) return clear(body, h("p", { class: "muted", text: t("noOpenAlerts") }));
  clear(
    body,
    h(
      "ul",
      { class: "plain cards", dataset: { testid: "open-alerts" } },
      items.map((item) =>
        h(
          "li",
          { class: "card alert-card" },
          h("div", {}, h("span", { class: "badge firing", text: t("firing") }), " ", h("strong", { text: item.rule }), " · ", item.type || ""),
          h("p", { text: item.summary || "" }),
          h(
            "div",
            { class: "muted" },
            `${t("since2")} ${fmtTime(item.since)} · `,
            item.ticket_id ? internalLink(`/tickets/${item.ticket_id}`, `${t("ticket")} ${item.ticket_number}`) : t("noTicket"),
            item.incident ? [" · ", internalLink(`/alerts/${encodeURIComponent(item.incident)}`, t("details"))] : null,
          ),
        ),
      ),
    ),
  );
}

async function loadOverdue(body, brand) {
  const data = await api("/tickets", { query: { brand, overdue: true, limit: 20 } });
  const items = data.items || [];
  if (!items.length) return clear(body, h("p", { class: "muted", text: t("noOverdue") }));
  clear(
    body,
    h(
      "ul",
      { class: "plain cards", dataset: { testid: "overdue-tickets" } },
      items.map((ticket) =>
        h(
          "li",
          { class: "card" },
          h("div", {}, badge("priority", ticket.priority), " ", badge("status", ticket.status), " ", h("span", { class: "badge overdue", text: t("overdue") })),
          internalLink(`/tickets/${ticket.id}`, `${ticket.number} ${ticket.title}`),
          h("div", { class: "muted", text: `${t("resolveDue")}: ${fmtTime(ticket.sla && ticket.sla.resolve_due_at)}` }),
        ),
      ),
    ),
  );
}

async function loadSources(body) {
  const sources = await api("/sources");
  if (!sources.length) return clear(body, h("p", { class: "muted", text: t("noSources") }));
  const rows = sources.map((s) =>
    h(
      "tr",
      { dataset: { state: s.state } },
      h("td", { text: s.name }),
      h("td", { text: s.platform }),
      h("td", {}, badge("sourceState", s.state)),
      h("td", { text: s.last_success_at ? fmtTime(s.last_success_at) : t("never") }),
      h("td", { class: "error-text", text: s.error || "" }),
    ),
  );
  clear(
    body,
    h(
      "table",
      { class: "table", dataset: { testid: "sources" } },
      h("thead", {}, h("tr", {}, [t("source"), t("platform"), t("state"), t("lastSuccess"), t("error")].map((c) => h("th", { text: c })))),
      h("tbody", {}, rows),
    ),
  );
}
