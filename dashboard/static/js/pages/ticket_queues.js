// The agent's queues above the tickets board: my tickets, my department's, the overdue ones and the open ones
// by grade, each with the SLA countdown of its running deadline; lookup by ticket number; and the form for a
// complaint that arrives by phone or at the counter.

import { api, ApiError, queryString } from "../api.js";
import { h, clear, internalLink, badge, field, flash, select, unavailable } from "../dom.js";
import { t, label } from "../i18n.js";

export const QUEUES = ["board", "mine", "department", "overdue", "grade"];
const GRADES = ["urgent", "major", "general", "suggestion"];
const LIST_LIMIT = 100;

/** The running deadline: respond until the first answer, then resolve; ``null`` when none runs. */
export function runningDeadline(ticket) {
  const sla = ticket.sla || {};
  if (!ticket.sla || ["resolved", "closed"].includes(ticket.status)) return null;
  const value = sla.responded_at ? sla.resolve_due_at : sla.respond_due_at;
  return value ? { kind: sla.responded_at ? "resolve" : "respond", at: new Date(value) } : null;
}

function span(ms) {
  const minutes = Math.max(0, Math.round(Math.abs(ms) / 60000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days) return t("spanDays", { d: days, h: hours });
  if (hours) return t("spanHours", { h: hours, m: mins });
  return t("spanMinutes", { m: mins });
}

/** "Respond: 3 h 12 min left" / "Resolve: 2 h overdue"; paused while waiting for the customer. */
export function countdown(ticket, now = Date.now()) {
  const deadline = runningDeadline(ticket);
  if (!deadline) return null;
  if (ticket.status === "waiting_customer") {
    return h("span", { class: "sla paused", dataset: { testid: "sla" } }, t("slaPaused"));
  }
  const left = deadline.at.getTime() - now;
  const kind = t(deadline.kind === "respond" ? "slaRespond" : "slaResolve");
  const text = left >= 0 ? t("slaLeft", { kind, time: span(left) }) : t("slaOver", { kind, time: span(left) });
  const level = left < 0 ? "over" : left < 2 * 3600 * 1000 ? "soon" : "ok";
  return h("span", { class: `sla ${level}`, dataset: { testid: "sla", level }, title: deadline.at.toLocaleString() }, text);
}

function queueTabs(ctx, current, brand) {
  return h(
    "nav",
    { class: "queue-tabs", dataset: { testid: "queues" } },
    QUEUES.map((queue) =>
      internalLink(`/tickets${queryString({ view: queue === "board" ? "" : queue, brand })}`, t(`queue_${queue}`), {
        class: queue === current ? "active" : "",
        dataset: { testid: `queue-${queue}` },
      }),
    ),
  );
}

function lookupForm(ctx) {
  const input = h("input", { type: "search", name: "number", placeholder: t("lookupPlaceholder"), dataset: { testid: "lookup-number" } });
  const form = h("form", { class: "lookup", dataset: { testid: "lookup-form" } }, input, h("button", { type: "submit", class: "secondary" }, t("lookup")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const number = input.value.trim();
    if (!number) return;
    try {
      const ticket = await api(`/tickets/by-number/${encodeURIComponent(number)}`);
      ctx.navigate(`/tickets/${ticket.id}`);
    } catch (error) {
      for (const old of form.querySelectorAll(".flash")) old.remove();
      flash(form, t("errorPrefix") + error.message, "error");
    }
  });
  return form;
}

/** What the toolbar of the tickets page holds besides the brand filter. */
export function queueToolbar(ctx, current, brand) {
  return [queueTabs(ctx, current, brand), lookupForm(ctx), newTicketButton(ctx)];
}

function row(ticket) {
  return h(
    "tr",
    { dataset: { testid: "queue-row", number: ticket.number } },
    h("td", {}, internalLink(`/tickets/${ticket.id}`, ticket.number)),
    h("td", {}, badge("priority", ticket.priority)),
    h("td", {}, badge("status", ticket.status)),
    h("td", { text: ticket.title }),
    h("td", { text: ticket.department || "" }),
    h("td", {}, countdown(ticket) || ""),
  );
}

function listInto(body, query, ctx) {
  api("/tickets", { query: { ...query, limit: LIST_LIMIT } })
    .then((page) => {
      const items = [...page.items].sort((a, b) => (runningDeadline(a)?.at ?? Infinity) - (runningDeadline(b)?.at ?? Infinity));
      if (!items.length) return clear(body, h("p", { class: "muted", text: t("noTickets") }));
      clear(
        body,
        h(
          "table",
          { class: "table queue" },
          h("thead", {}, h("tr", {}, ...["number", "priority", "status", "title", "department", "sla"].map((c) => h("th", { text: t(`col_${c}`) })))),
          h("tbody", {}, items.map(row)),
        ),
        page.total > items.length ? h("p", { class: "muted", text: t("moreTickets", { count: page.total - items.length }) }) : null,
      );
    })
    .catch((error) => clear(body, unavailable(error)));
}

/** Render the queue ``view`` into ``container``. */
export function renderQueue(container, ctx, view, brand) {
  const open = (ctx.meta && ctx.meta.open_statuses) || ["new", "assigned", "in_progress", "waiting_customer", "reopened"];
  const base = { brand, status: open };
  if (view === "grade") {
    const board = h("div", { class: "board", dataset: { testid: "grade-board" } });
    for (const grade of GRADES) {
      const body = h("div", { class: "column-body" }, h("p", { class: "muted", text: t("loading") }));
      board.append(h("section", { class: "column", dataset: { testid: `grade-${grade}` } }, h("h2", {}, label("priority", grade)), body));
      listInto(body, { ...base, priority: grade }, ctx);
    }
    return container.append(board);
  }
  const body = h("div", { class: "queue-body", dataset: { testid: `queue-list` } }, h("p", { class: "muted", text: t("loading") }));
  container.append(body);
  if (view === "mine") {
    if (ctx.session.user_id === null || ctx.session.user_id === undefined) return clear(body, h("p", { class: "muted", text: t("noUserQueue") }));
    return listInto(body, { ...base, assignee_id: ctx.session.user_id }, ctx);
  }
  if (view === "department") return listInto(body, { ...base, department: ctx.session.departments }, ctx);
  if (view === "overdue") return listInto(body, { brand, overdue: true }, ctx);
  return undefined;
}

// -- a new ticket: a complaint by phone, at the counter, by letter -----------------------------------------------
function newTicketButton(ctx) {
  const button = h("button", { type: "button", class: "primary", dataset: { testid: "new-ticket" } }, t("newTicket"));
  if (!ctx.session.can_write_tickets) return null;
  button.addEventListener("click", () => {
    const existing = document.querySelector("[data-testid=new-ticket-form]");
    if (existing) return existing.remove();
    button.closest(".toolbar").after(newTicketForm(ctx));
    return undefined;
  });
  return button;
}

function newTicketForm(ctx) {
  const title = h("input", { name: "title", required: true, maxlength: "300", dataset: { testid: "new-title" } });
  const description = h("textarea", { name: "description", rows: "4", maxlength: "20000", dataset: { testid: "new-description" } });
  const brand = select("brand", [["", t("chooseBrand")], ...ctx.session.brands.map((b) => [b, b])], ctx.session.brands[0] || "", { dataset: { testid: "new-brand" } });
  const channel = select("channel", ["phone", "walk_in", "email", "letter", "other"].map((c) => [c, t(`channel_${c}`)]), "phone", { dataset: { testid: "new-channel" } });
  const priority = select("priority", [["", t("priorityAuto")], ...GRADES.map((g) => [g, label("priority", g)])], "", { dataset: { testid: "new-priority" } });
  const name = h("input", { name: "customer_name", maxlength: "100", dataset: { testid: "new-customer-name" } });
  const phone = h("input", { name: "customer_phone", maxlength: "32", dataset: { testid: "new-customer-phone" } });
  const kind = select("customer_type", ["new", "returning", "vip"].map((k) => [k, t(`customer_${k}`)]), "new", { dataset: { testid: "new-customer-type" } });
  const form = h(
    "form",
    { class: "new-ticket", dataset: { testid: "new-ticket-form" } },
    h("h2", { text: t("newTicket") }),
    h("div", { class: "grid-2" }, field(t("newTitle"), title), field(t("channel"), channel), field(t("brand"), brand), field(t("col_priority"), priority), field(t("customerName"), name), field(t("customerPhone"), phone), field(t("customerType"), kind)),
    field(t("description"), description),
    h("button", { type: "submit", class: "primary" }, t("create")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const customer =
      name.value.trim() || phone.value.trim() || kind.value !== "new"
        ? { name: name.value.trim() || null, phone: phone.value.trim() || null, type: kind.value }
        : null;
    // The channel goes first in the details: the record table's "source" for complaints that reach no platform.
    const details = `${t("channel")}: ${t(`channel_${channel.value}`)}\n${description.value.trim()}`.trim();
    try {
      const ticket = await api("/tickets", {
        method: "POST",
        body: { title: title.value.trim(), description: details, brand: brand.value || null, priority: priority.value || null, customer },
      });
      ctx.navigate(`/tickets/${ticket.id}`);
    } catch (error) {
      button.disabled = false;
      for (const old of form.querySelectorAll(".flash")) old.remove();
      flash(form, t("errorPrefix") + (error instanceof ApiError ? error.message : String(error)), "error");
    }
  });
  return form;
}
