// Mention search: the query language with its syntax beside it, filters, highlighted results, facet counts and
// "open a ticket from this mention". The form state lives in the URL (#/search?q=…), so searches can be shared.

import { api, ApiError } from "../api.js";
import { h, clear, field, select, unavailable, panel, internalLink, flash } from "../dom.js";
import { t, label, lang, fmtNumber, fmtTime } from "../i18n.js";
import { mentionCard } from "../mentions.js";

const FILTERS = ["q", "brand", "platform", "sentiment", "since", "until", "sort"];
const PAGE_SIZE = 20;

const SYNTAX = [
  ["退款 客服", { zh: "所有词都要出现", en: "every word must occur" }],
  ['"全额退款"', { zh: "精确短语", en: "exact phrase" }],
  ['"配送 慢"~3', { zh: "词间相距不超过 3 个词", en: "words within 3 words of each other" }],
  ["退款 OR 退货", { zh: "任一出现", en: "either one" }],
  ["NOT 广告", { zh: "排除", en: "exclude" }],
  ["(退款 OR 退货) 客服", { zh: "括号分组", en: "grouping" }],
  ["refun*", { zh: "前缀匹配", en: "prefix" }],
  ["客服 NEAR/5 态度", { zh: "相距 5 个词以内", en: "within 5 words" }],
  ["title:召回", { zh: "只在标题中", en: "in the title only" }],
  ["platform:weibo brand:鲜达外卖", { zh: "按字段过滤（platform、brand、author、lang、source、category）", en: "field filters (platform, brand, author, lang, source, category)" }],
  ["sentiment:negative  sentiment:<0.3", { zh: "情感标签或分值", en: "sentiment label or score" }],
  ["rating:[1 TO 2]", { zh: "评分区间", en: "rating range" }],
  ["date:>=now-7d", { zh: "时间范围", en: "time range" }],
];

function syntaxHelp() {
  return h(
    "aside",
    { class: "panel syntax", dataset: { testid: "syntax-help" } },
    h("h2", { text: t("syntaxHelp") }),
    h(
      "dl",
      { class: "syntax-list" },
      SYNTAX.map(([example, text]) => [h("dt", {}, h("code", { text: example })), h("dd", { text: text[lang()] })]),
    ),
  );
}

/** A ``datetime-local`` value (local time, no zone) as an ISO instant for the API. */
function toInstant(local) {
  if (!local) return null;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function render(main, ctx) {
  const params = ctx.route.params;
  const values = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) || ""]));
  const session = ctx.session;

  const q = h("input", {
    type: "search",
    name: "q",
    value: values.q,
    placeholder: t("queryPlaceholder"),
    maxlength: "500",
    "aria-label": t("query"),
    dataset: { testid: "search-query" },
  });
  const brand = select("brand", [["", t("allBrands")], ...session.brands.map((b) => [b, b])], values.brand);
  const platform = h("input", { name: "platform", value: values.platform, list: "platform-options", placeholder: t("anyPlatform") });
  const platformOptions = h("datalist", { id: "platform-options" });
  const sentiment = select(
    "sentiment",
    [["", t("anySentiment")], ...((ctx.meta && ctx.meta.sentiments) || []).map((s) => [s, label("sentiment", s)])],
    values.sentiment,
  );
  const since = h("input", { type: "datetime-local", name: "since", value: values.since });
  const until = h("input", { type: "datetime-local", name: "until", value: values.until });
  const sort = select("sort", [["time", t("sortTime")], ["relevance", t("sortRelevance")]], values.sort || "time");
  const form = h(
    "form",
    { class: "search-form", role: "search", dataset: { testid: "search-form" } },
    h("div", { class: "query-row" }, q, h("button", { type: "submit", class: "primary", dataset: { testid: "search-submit" } }, t("search"))),
    h(
      "div",
      { class: "filters" },
      field(t("brand"), brand),
      field(t("platform"), platform),
      platformOptions,
      field(t("sentiment"), sentiment),
      field(t("since"), since),
      field(t("until"), until),
      field(t("sort"), sort),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.navigate("/search", {
      q: q.value.trim(),
      brand: brand.value,
      platform: platform.value.trim(),
      sentiment: sentiment.value,
      since: since.value,
      until: until.value,
      sort: sort.value === "time" ? "" : sort.value,
    });
  });

  const status = h("div", { class: "search-status", dataset: { testid: "search-status" } });
  const results = h("div", { class: "results", dataset: { testid: "results" } });
  const more = h("div", { class: "more" });
  const facetsBody = h("div", { class: "panel-body" });
  main.append(
    h("h1", { class: "page-title", text: t("searchTitle") }),
    h(
      "div",
      { class: "search-layout" },
      h("div", { class: "search-main" }, form, status, results, more),
      h(
        "div",
        { class: "search-side" },
        h("section", { class: "panel", dataset: { panel: "facets" } }, h("h2", { text: t("facets") }), facetsBody),
        panel(t("savedSearches"), "saved-searches", (body) => loadSaved(body, values)),
        syntaxHelp(),
      ),
    ),
  );

  const query = {
    q: values.q,
    brand: values.brand,
    platform: values.platform,
    sentiment: values.sentiment,
    since: toInstant(values.since),
    until: toInstant(values.until),
  };
  const addFilter = (name, value) => ctx.navigate("/search", { ...values, [name]: value });
  const addToQuery = (term) => ctx.navigate("/search", { ...values, q: values.q ? `${values.q} ${term}` : term });

  runSearch({ query, sort: values.sort, status, results, more, session, meta: ctx.meta });
  loadFacets(facetsBody, query, platformOptions, addFilter, addToQuery).catch((error) => {
    // A query error is explained beside the results; here a short note is enough.
    const invalid = error instanceof ApiError && error.status === 400;
    clear(facetsBody, invalid ? h("p", { class: "muted", text: t("facetsUnavailable") }) : unavailable(error));
  });
}

async function runSearch({ query, sort, status, results, more, session, meta }, cursor = null) {
  if (!cursor) clear(status, h("p", { class: "muted", text: t("loading") }));
  try {
    const page = await api("/mentions", { query: { ...query, sort: sort || null, limit: PAGE_SIZE, cursor } });
    if (!cursor) {
      clear(status, h("p", { class: "result-count", text: t("results", { total: fmtNumber(page.total) + (page.total_exact === false ? "+" : "") }) }));
      clear(results);
      if (!page.items.length) results.append(h("p", { class: "muted", text: t("noResults") }));
    }
    for (const mention of page.items) results.append(mentionCard(mention, { session, meta }));
    clear(more);
    if (page.next_cursor) {
      const button = h("button", { type: "button", class: "secondary", dataset: { testid: "more-results" } }, t("moreResults"));
      button.addEventListener("click", () => {
        button.disabled = true;
        runSearch({ query, sort, status, results, more, session, meta }, page.next_cursor);
      });
      more.append(button);
    }
  } catch (error) {
    clear(more);
    if (!cursor) clear(results);
    clear(status, queryProblem(error, query.q));
  }
}

// Characters a monospace font draws two columns wide: the caret's padding uses an ideographic space for them.
const WIDE = /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/u;

/**
 * A query error with a caret under the place it points at (``details[0].position``, 1-based) and what was
 * expected there; any other failure is an "unavailable" panel.
 */
function queryProblem(error, text) {
  if (!(error instanceof ApiError) || error.status !== 400) return unavailable(error);
  const details = Array.isArray(error.details) ? error.details[0] || {} : error.details || {};
  // The message repeats the query with its own caret on further lines; this page draws its own.
  const message = String(error.message || "").split("\n")[0];
  const box = h("div", { class: "query-error", role: "alert", dataset: { testid: "query-error" } }, h("p", { text: t("queryError", { message }) }));
  const position = Number(details.position);
  if (text && Number.isInteger(position) && position >= 1 && position <= text.length + 1) {
    const pad = Array.from(text.slice(0, position - 1).replace(/\s/g, " "))
      .map((c) => (WIDE.test(c) ? "\u3000" : " "))
      .join("");
    box.append(h("pre", { class: "caret", dataset: { position: String(position) } }, text.replace(/\s/g, " "), "\n", pad + "^"));
  }
  const expected = Array.isArray(details.expected) ? details.expected.join(", ") : details.expected;
  if (expected) box.append(h("p", { class: "muted", text: t("expected", { expected }) }));
  return box;
}

const FACET_GROUPS = [
  ["platform", "facetPlatform", "param"],
  ["brand", "facetBrand", "param"],
  ["sentiment", "facetSentiment", "param"],
  ["category", "facetCategory", "query"],
  ["language", "facetLanguage", "query"],
];

async function loadFacets(body, query, platformOptions, addFilter, addToQuery) {
  clear(body, h("p", { class: "muted", text: t("loading") }));
  const data = await api("/mentions/facets", { query });
  const facets = data.facets || {};
  clear(body);
  // Without a time range the counts cover a default period (the server's): say which.
  if (data.period && data.period.since) {
    body.append(h("p", { class: "muted facet-period", text: `${fmtTime(data.period.since)} – ${fmtTime(data.period.until)} · ${t("results", { total: fmtNumber(data.total) })}` }));
  }
  for (const option of facets.platform || []) platformOptions.append(h("option", { value: option.value }));
  for (const [name, title, how] of FACET_GROUPS) {
    const items = facets[name] || [];
    if (!items.length) continue;
    const list = h("ul", { class: "plain facet-list", dataset: { facet: name } });
    for (const item of items.slice(0, 12)) {
      const text = name === "sentiment" ? label("sentiment", item.value) : name === "category" ? label("category", item.value) : item.value;
      const button = h("button", { type: "button", class: "facet" }, h("span", { text }), h("span", { class: "count", text: fmtNumber(item.count) }));
      button.addEventListener("click", () => {
        if (how === "param") addFilter(name, item.value);
        else addToQuery(`${name === "language" ? "lang" : name}:${item.value}`);
      });
      list.append(h("li", {}, button));
    }
    body.append(h("h3", { text: t(title) }), list);
  }
  if (!body.childNodes.length) body.append(h("p", { class: "muted", text: t("nothing") }));
}

/** Your saved searches and the shared ones, as links; and a form to save the current query. */
async function loadSaved(body, values) {
  const data = await api("/searches");
  const items = data.items || [];
  const list = h("ul", { class: "plain saved-list", dataset: { testid: "saved-searches" } });
  for (const saved of items) {
    const params = { q: saved.query };
    if (saved.filters && saved.filters.sort && saved.filters.sort !== "time") params.sort = saved.filters.sort;
    list.append(
      h(
        "li",
        {},
        internalLink(`/search?${new URLSearchParams(params)}`, saved.name, { title: saved.query }),
        saved.shared ? h("span", { class: "chip", text: t("shared") }) : null,
        h("span", { class: "muted", text: saved.owner }),
      ),
    );
  }
  clear(body, items.length ? list : h("p", { class: "muted", text: t("noSavedSearches") }));
  if (!values.q) return;
  const name = h("input", { name: "name", maxlength: "100", required: true, placeholder: t("searchName"), dataset: { testid: "saved-name" } });
  const shared = h("input", { type: "checkbox", name: "shared" });
  const form = h(
    "form",
    { class: "save-search", dataset: { testid: "save-search" } },
    name,
    h("label", { class: "check" }, shared, t("shareSearch")),
    h("button", { type: "submit", class: "secondary" }, t("saveSearch")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const filters = values.sort && values.sort !== "time" ? { sort: values.sort } : {};
      await api("/searches", { method: "POST", body: { name: name.value.trim(), query: values.q, filters, shared: shared.checked } });
      await loadSaved(body, values);
    } catch (error) {
      button.disabled = false;
      flash(form, t("errorPrefix") + error.message, "error");
    }
  });
  body.append(form);
}
