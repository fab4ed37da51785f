// Alerts: the incidents (open, acknowledged, resolved), every rule's state and the recent history; one
// incident with why it fired (window, numbers, threshold, baseline), who handles it, the posts behind it and
// its ticket.

import { api } from "../api.js";
import { h, clear, panel, internalLink, definitionList, badge } from "../dom.js";
import { t, label, fmtTime, fmtNumber, fmtPercent } from "../i18n.js";
import { mentionCard } from "../mentions.js";
import { CRISIS_TYPES, crisisBanner } from "../crisis.js";
import { loadIncidents, handlingSection } from "./incidents.js";

export function render(main, ctx) {
  const incident = ctx.route.rest[0];
  if (incident) return renderIncident(main, ctx, incident);
  main.append(
    h("h1", { class: "page-title", text: t("alertsTitle") }),
    crisisBanner(),
    h(
      "div",
      { class: "grid" },
      panel(t("incidents"), "incidents", (body) => loadIncidents(body), { wide: true }),
      panel(t("alertState"), "alert-states", loadStates, { wide: true }),
      panel(t("recentAlerts"), "alert-events", loadEvents, { wide: true }),
    ),
  );
}

function incidentLink(incident, text) {
  return incident ? internalLink(`/alerts/${encodeURIComponent(incident)}`, text) : text;
}

function ticketLink(number, id) {
  if (!number) return h("span", { class: "muted", text: t("noTicket") });
  return id ? internalLink(`/tickets/${id}`, number) : number;
}

async function loadStates(body) {
  const data = await api("/alerts");
  // Crisis alerts first, then whatever is firing.
  const crisis = (item) => Number(Boolean(item.firing && CRISIS_TYPES.has(item.type)));
  const items = [...(data.items || [])].sort((a, b) => crisis(b) - crisis(a) || Number(b.firing) - Number(a.firing));
  if (!items.length) return clear(body, h("p", { class: "muted", text: t("noAlerts") }));
  const rows = items.map((item) =>
    h(
      "tr",
      { class: [item.firing ? "is-firing" : "", crisis(item) ? "is-crisis" : ""].join(" ").trim(), dataset: { rule: item.rule, key: item.key } },
      h("td", {}, h("span", { class: item.firing ? "badge firing" : "badge quiet", text: item.firing ? t("firing") : t("quiet") })),
      h("td", {}, h("strong", { text: item.rule }), h("div", { class: "muted", text: item.type || "" })),
      h("td", { text: item.brand || item.key }),
      h("td", { text: item.since ? fmtTime(item.since) : "" }),
      h("td", { class: "summary", text: item.summary || "" }),
      h("td", {}, ticketLink(item.ticket_number, item.ticket_id)),
      h("td", {}, item.incident ? incidentLink(item.incident, t("details")) : ""),
    ),
  );
  clear(
    body,
    h(
      "table",
      { class: "table", dataset: { testid: "alert-states" } },
      h("thead", {}, h("tr", {}, ["", t("rule"), t("brand"), t("since2"), t("whyFired"), t("ticket"), ""].map((c) => h("th", { text: c })))),
      h("tbody", {}, rows),
    ),
  );
}

async function loadEvents(body) {
  const data = await api("/alerts/events", { query: { kind: "fired", limit: 50 } });
  const items = data.items || [];
  if (!items.length) return clear(body, h("p", { class: "muted", text: t("noAlerts") }));
  clear(
    body,
    h(
      "ul",
      { class: "plain cards", dataset: { testid: "alert-events" } },
      items.map((event) =>
        h(
          "li",
          { class: CRISIS_TYPES.has(event.type) ? "card alert-card crisis" : "card alert-card", dataset: { incident: event.incident || "" } },
          h("div", {}, h("strong", {}, incidentLink(event.incident, `${event.rule} · ${event.brand || event.key}`)), " ", h("span", { class: "muted", text: fmtTime(event.at) })),
          h("p", { text: event.summary || "" }),
          h("div", { class: "muted" }, `${t("ticket")}: `, ticketLink(event.ticket_number, event.ticket_id)),
        ),
      ),
    ),
  );
}

/** A number of an alert, readable: shares as percentages, lists joined, word counts as "word×n". */
export function formatValue(name, value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") return /share|threshold/.test(name) && value <= 1 && value >= 0 && name !== "min_count" ? fmtPercent(value) : fmtNumber(value);
  if (Array.isArray(value)) {
    return value.map((v) => (Array.isArray(v) && v.length === 2 ? `${v[0]}×${v[1]}` : typeof v === "number" ? fmtNumber(v) : String(v))).join(", ");
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function renderIncident(main, ctx, incident) {
  main.append(
    h("p", {}, internalLink("/alerts", `← ${t("back")}`)),
    panel(t("incidentTitle"), "incident", (body) => loadIncident(body, ctx, incident), { wide: true }),
  );
}

async function loadIncident(body, ctx, incident) {
  const item = await api(`/alerts/incidents/${encodeURIComponent(incident)}`);
  const numbers = item.numbers || {};
  const ticket = item.ticket;
  const ticketView = ticket
    ? h(
        "span",
        { dataset: { testid: "incident-ticket" } },
        ticketLink(ticket.number, ticket.id),
        ticket.status ? [" ", badge("status", ticket.status)] : null,
        ticket.priority ? [" ", badge("priority", ticket.priority)] : null,
      )
    : h("span", { class: "muted", text: t("noTicket") });
  const numberRows = Object.entries(numbers).map(([name, value]) =>
    h("tr", {}, h("th", { text: label("number", name) }), h("td", { text: formatValue(name, value) })),
  );
  const posts = item.posts || [];
  clear(
    body,
    h("h1", { class: "page-title", dataset: { testid: "incident-title" } }, `${item.rule} · ${item.brand || item.key}`),
    definitionList([
      [t("type"), item.type || ""],
      [t("firedAt"), fmtTime(item.at)],
      [t("resolvedAt"), item.resolved_at ? fmtTime(item.resolved_at) : t("stillFiring")],
      [t("ticket"), ticketView],
    ]),
    handlingSection(incident, ctx),
    h(
      "section",
      { class: "why", dataset: { testid: "why-fired" } },
      h("h2", { text: t("whyFired") }),
      h("p", { class: "summary", text: item.summary || "" }),
      definitionList([
        [t("window"), item.window_start ? `${fmtTime(item.window_start)} – ${fmtTime(item.window_end)}` : ""],
        [t("threshold"), item.threshold === null || item.threshold === undefined ? "" : formatValue("threshold", item.threshold)],
        [t("baseline"), item.baseline === null || item.baseline === undefined ? "" : formatValue("baseline", item.baseline)],
      ]),
      h("table", { class: "table numbers", dataset: { testid: "incident-numbers" } }, h("caption", { text: t("numbers") }), h("tbody", {}, numberRows)),
    ),
    h("h2", { text: `${t("posts")} (${posts.length})` }),
    posts.length
      ? h("div", { class: "results", dataset: { testid: "incident-posts" } }, posts.map((m) => mentionCard(m, { session: ctx.session, meta: ctx.meta, allowTicket: false })))
      : h("p", { class: "muted", text: t("noPosts") }),
  );
}
