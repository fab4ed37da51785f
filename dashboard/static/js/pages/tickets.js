// The tickets board (a column per status, overdue and urgent first) and a ticket's page: its record, posts,
// alert, notes and history, and the moves its workflow allows (PATCH with If-Match, so nobody's change is lost).

import { api, request, ApiError } from "../api.js";
import { h, clear, internalLink, definitionList, badge, externalLink, select, field, flash, unavailable } from "../dom.js";
import { t, label, fmtTime } from "../i18n.js";
import { formatValue } from "./alerts.js";
import { processPanel } from "./ticket_process.js";
import { mergeForm, recordEditor, similarCases } from "./ticket_record.js";
import { QUEUES, countdown, queueToolbar, renderQueue } from "./ticket_queues.js";
import { deliveryStatus, knowledgePanel, replyForm } from "./ticket_reply.js";

const BOARD_ORDER = ["new", "reopened", "assigned", "in_progress", "waiting_customer", "resolved", "closed"];
const PRIORITY_RANK = { urgent: 0, major: 1, general: 2, suggestion: 3 };
const COLUMN_LIMIT = 50;

export function isOverdue(ticket) {
  return Boolean(ticket.sla && (ticket.sla.respond_breached || ticket.sla.resolve_breached));
}

function due(ticket) {
  const sla = ticket.sla || {};
  const value = sla.responded_at ? sla.resolve_due_at : sla.respond_due_at || sla.resolve_due_at;
  return value ? new Date(value).getTime() : Infinity;
}

/** Overdue first, then by grade, then the nearest deadline, then the newest. */
export function boardOrder(a, b) {
  return (
    Number(isOverdue(b)) - Number(isOverdue(a)) ||
    (PRIORITY_RANK[a.priority] ?? 9) - (PRIORITY_RANK[b.priority] ?? 9) ||
    due(a) - due(b) ||
    new Date(b.received_at).getTime() - new Date(a.received_at).getTime()
  );
}

export function render(main, ctx) {
  const id = ctx.route.rest[0];
  if (id) return renderTicket(main, ctx, id);
  const params = ctx.route.params;
  const brand = ctx.session.brands.includes(params.get("brand")) ? params.get("brand") : "";
  const view = QUEUES.includes(params.get("view")) ? params.get("view") : "board";
  const brandSelect = select("brand", [["", t("allBrands")], ...ctx.session.brands.map((b) => [b, b])], brand);
  brandSelect.addEventListener("change", () => ctx.navigate("/tickets", { brand: brandSelect.value, view: view === "board" ? "" : view }));
  const refresh = h("button", { type: "button", class: "secondary" }, t("refresh"));
  refresh.addEventListener("click", () => ctx.rerender());
  const board = h("div", { class: "board", dataset: { testid: "board" } });
  main.append(
    h("h1", { class: "page-title", text: t("ticketsTitle") }),
    h("div", { class: "toolbar" }, field(t("brand"), brandSelect), refresh, ...queueToolbar(ctx, view, brand)),
  );
  if (view !== "board") return renderQueue(main, ctx, view, brand);
  main.append(board);
  const statuses = BOARD_ORDER.filter((s) => !ctx.meta || ctx.meta.statuses.includes(s));
  for (const status of statuses) board.append(column(status, brand));
}

function column(status, brand) {
  const count = h("span", { class: "count" });
  const body = h("div", { class: "column-body" }, h("p", { class: "muted", text: t("loading") }));
  const el = h(
    "section",
    { class: `column column-${status}`, dataset: { status, testid: `column-${status}` } },
    h("h2", {}, label("status", status), " ", count),
    body,
  );
  api("/tickets", { query: { status, brand, limit: COLUMN_LIMIT } })
    .then((page) => {
      count.textContent = String(page.total);
      const items = [...page.items].sort(boardOrder);
      clear(body, items.length ? items.map(card) : h("p", { class: "muted", text: t("noTickets") }));
      if (page.total > items.length) body.append(h("p", { class: "muted", text: t("moreTickets", { count: page.total - items.length }) }));
    })
    .catch((error) => clear(body, unavailable(error)));
  return el;
}

function card(ticket) {
  const overdue = isOverdue(ticket);
  return internalLink(
    `/tickets/${ticket.id}`,
    [
      h(
        "div",
        { class: "ticket-card-head" },
        h("span", { class: "number", text: ticket.number }),
        badge("priority", ticket.priority),
        overdue ? h("span", { class: "badge overdue", text: t("overdue") }) : null,
      ),
      h("div", { class: "ticket-card-title", text: ticket.title }),
      h("div", { class: "muted", text: [ticket.brand, label("category", ticket.category)].filter(Boolean).join(" · ") }),
      h("div", { class: "muted", text: fmtTime(ticket.received_at) }),
      countdown(ticket),
    ],
    { class: overdue ? "ticket-card overdue" : "ticket-card", dataset: { testid: "ticket-card", number: ticket.number, ticketId: String(ticket.id) } },
  );
}

function renderTicket(main, ctx, id) {
  main.append(h("p", {}, internalLink("/tickets", `← ${t("back")}`)));
  const holder = h("div", { class: "ticket-detail", dataset: { testid: "ticket-detail" } });
  main.append(holder);
  loadTicket(holder, ctx, id);
}

async function loadTicket(holder, ctx, id, notice = null) {
  clear(holder, h("p", { class: "muted", text: t("loading") }));
  let ticket;
  let etag;
  try {
    const result = await request(`/tickets/${encodeURIComponent(id)}`);
    ticket = result.data;
    etag = result.response.headers.get("ETag");
  } catch (error) {
    clear(holder, unavailable(error));
    return;
  }
  const reload = (message) => loadTicket(holder, ctx, id, message);
  clear(holder, ...ticketView(ticket, etag, ctx, reload));
  if (notice) flash(holder, notice.text, notice.kind);
}

function ticketView(ticket, etag, ctx, reload) {
  const canWrite = ctx.session.can_write_tickets;
  const sla = ticket.sla || {};
  const header = h(
    "div",
    { class: "ticket-header" },
    h("h1", { class: "page-title" }, h("span", { class: "number", text: ticket.number }), " ", ticket.title),
    h(
      "div",
      { class: "badges" },
      h("span", { dataset: { testid: "ticket-status" } }, badge("status", ticket.status)),
      badge("priority", ticket.priority),
      isOverdue(ticket) ? h("span", { class: "badge overdue", text: t("overdue") }) : null,
      countdown(ticket),
    ),
  );
  const parts = [header];
  if (canWrite) parts.push(actions(ticket, etag, ctx, reload));
  else parts.push(h("p", { class: "muted", text: t("readOnly") }));
  const customer = ticket.customer || {};
  parts.push(
    definitionList([
      [t("brand"), ticket.brand || ""],
      [t("category"), label("category", ticket.category)],
      [t("department"), ticket.department || ""],
      [t("origin"), label("origin", ticket.origin)],
      [t("product"), ticket.product || ""],
      [t("received"), fmtTime(ticket.received_at)],
      [t("respondDue"), sla.respond_due_at ? fmtTime(sla.respond_due_at) : ""],
      [t("resolveDue"), sla.resolve_due_at ? fmtTime(sla.resolve_due_at) : ""],
      [t("customer"), [customer.name, customer.nickname, customer.phone].filter(Boolean).join(" · ")],
      [t("round"), String(ticket.round)],
      [t("satisfaction"), ticket.satisfaction ? label("satisfaction", ticket.satisfaction) : ""],
      [t("measures"), ticket.actions_taken || ""],
    ]),
  );
  if (ticket.description) parts.push(h("h2", { text: t("description") }), h("p", { class: "prewrap", text: ticket.description }));
  parts.push(h("h2", { text: t("mentions") }), mentionList(ticket.mentions || []));
  if (ticket.alert) parts.push(alertBox(ticket.alert));
  const reply = canWrite ? replyForm(ticket, ctx.session, reload) : null;
  parts.push(h("div", { class: "beside" }, similarCases(ticket), knowledgePanel(ticket, reply ? reply.insert : null)));
  if (canWrite) parts.push(processPanel(ticket, etag, reload), noteForms(reply, ticket, reload));
  if (canWrite && ticket.status !== "closed") parts.push(h("div", { class: "note-forms" }, recordEditor(ticket, etag, ctx, reload), mergeForm(ticket, ctx)));
  parts.push(h("h2", { text: t("comments") }), comments(ticket, ticket.comments || [], canWrite, reload));
  parts.push(h("h2", { text: t("history") }), history(ticket.history || []));
  return parts;
}

function actions(ticket, etag, ctx, reload) {
  const order = (ctx.meta && ctx.meta.statuses) || [];
  const moves = [...((ctx.meta && ctx.meta.transitions && ctx.meta.transitions[ticket.status]) || [])].sort(
    (a, b) => order.indexOf(a) - order.indexOf(b),
  );
  const bar = h("div", { class: "actions", dataset: { testid: "ticket-actions" } }, h("span", { class: "muted", text: `${t("moveTo")}:` }));
  for (const target of moves) {
    const button = h("button", { type: "button", class: "secondary", dataset: { testid: `move-${target}` } }, label("status", target));
    button.addEventListener("click", async () => {
      for (const b of bar.querySelectorAll("button")) b.disabled = true;
      try {
        await request(`/tickets/${ticket.id}`, { method: "PATCH", body: { status: target }, headers: etag ? { "If-Match": etag } : {} });
        reload({ text: t("moved", { status: label("status", target) }), kind: "ok" });
      } catch (error) {
        for (const b of bar.querySelectorAll("button")) b.disabled = false;
        // A version conflict: someone else changed it. A missing step of the process is not a conflict with anyone.
        const changedMeanwhile = error instanceof ApiError && error.status === 409 && error.code !== "process_incomplete";
        const text = changedMeanwhile ? t("conflict", { message: error.message }) : t("errorPrefix") + error.message;
        const note = flash(bar.parentElement || bar, text, "error");
        const again = h("button", { type: "button", class: "link-button" }, t("reload"));
        again.addEventListener("click", () => reload());
        note.append(" ", again);
      }
    });
    bar.append(button);
  }
  return bar;
}

function mentionList(mentions) {
  if (!mentions.length) return h("p", { class: "muted", text: t("noMentions") });
  return h(
    "ul",
    { class: "plain cards" },
    mentions.map((m) =>
      h(
        "li",
        { class: "card mention" },
        h("div", { class: "mention-head" }, h("span", { class: "badge platform", text: m.platform }), badge("sentiment", m.sentiment_label), h("span", { class: "muted", text: fmtTime(m.published_at) }), m.author ? h("span", { class: "muted author" }, m.author) : null),
        m.title ? h("h3", { class: "mention-title", text: m.title }) : null,
        h("p", { class: "mention-text", text: m.excerpt }),
        externalLink(m.url, t("original")),
      ),
    ),
  );
}

function alertBox(alert) {
  const numbers = Object.entries(alert.numbers || {}).map(([name, value]) => h("tr", {}, h("th", { text: label("number", name) }), h("td", { text: formatValue(name, value) })));
  return h(
    "section",
    { class: "why" },
    h("h2", {}, `${t("alert")}: `, internalLink(`/alerts/${encodeURIComponent(alert.incident)}`, alert.rule)),
    h("p", { class: "summary", text: alert.summary || "" }),
    h("p", { class: "muted", text: `${t("window")}: ${fmtTime(alert.window_start)} – ${fmtTime(alert.window_end)}` }),
    numbers.length ? h("table", { class: "table numbers" }, h("tbody", {}, numbers)) : null,
  );
}

function noteForms(reply, ticket, reload) {
  const commentText = h("textarea", { name: "comment", rows: "3", maxlength: "20000", placeholder: t("commentPlaceholder"), required: true, dataset: { testid: "comment-text" } });
  const commentForm = h(
    "form",
    { class: "note-form", dataset: { testid: "comment-form" } },
    h("h3", { text: t("comment") }),
    commentText,
    h("button", { type: "submit", class: "primary" }, t("add")),
  );
  commentForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = commentForm.querySelector("button");
    button.disabled = true;
    try {
      await api(`/tickets/${ticket.id}/comments`, { method: "POST", body: { body: commentText.value } });
      reload({ text: t("saved"), kind: "ok" });
    } catch (error) {
      button.disabled = false;
      flash(commentForm, t("errorPrefix") + error.message, "error");
    }
  });
  return h("div", { class: "note-forms" }, reply.form, commentForm);
}

function comments(ticket, items, canWrite, reload) {
  if (!items.length) return h("p", { class: "muted", text: t("noComments") });
  return h(
    "ul",
    { class: "plain timeline", dataset: { testid: "comments" } },
    items.map((c) =>
      h(
        "li",
        { class: `comment kind-${c.kind}` },
        h("div", { class: "muted", text: `${fmtTime(c.at)} · ${c.author} · ${label("commentKind", c.kind)}` }),
        h("p", { class: "prewrap", text: c.body }),
        c.delivery ? deliveryStatus(ticket, c.delivery, canWrite, reload) : null,
      ),
    ),
  );
}

// Fields whose values are the server's vocabulary, shown with their labels.
const VOCABULARY = { status: "status", priority: "priority", category: "category", channel: "channel", delivery: "delivery" };

function change(name, value) {
  const shown = label("field", name);
  if (Array.isArray(value) && value.length === 2) {
    return `${shown}: ${formatChange(name, value[0])} → ${formatChange(name, value[1])}`;
  }
  return `${shown}: ${formatChange(name, value)}`;
}

function formatChange(name, value) {
  if (value === null || value === undefined) return "–";
  if (VOCABULARY[name] && typeof value === "string") return label(VOCABULARY[name], value);
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) return fmtTime(value);
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function history(items) {
  if (!items.length) return h("p", { class: "muted", text: t("noHistory") });
  return h(
    "ul",
    { class: "plain timeline", dataset: { testid: "history" } },
    items.map((e) =>
      h(
        "li",
        {},
        h("div", { class: "muted", text: `${fmtTime(e.at)} · ${e.actor}` }),
        h("strong", { text: label("action", e.action) }),
        h("ul", { class: "changes" }, Object.entries(e.changes || {}).map(([name, value]) => h("li", { text: change(name, value) }))),
      ),
    ),
  );
}
