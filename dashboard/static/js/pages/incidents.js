// Incidents on the alerts page: the list by status (open, acknowledged, resolved) and, on one incident, who
// handles it — acknowledge, give it to someone, comment, link its ticket — with its history.

import { api } from "../api.js";
import { h, clear, internalLink, badge, definitionList, field, select, flash, reasonOf } from "../dom.js";
import { t, label, fmtTime } from "../i18n.js";

const STATUSES = ["open", "acknowledged", "resolved"];

function ticketLink(ticket) {
  if (!ticket) return h("span", { class: "muted", text: t("noTicket") });
  return ticket.id ? internalLink(`/tickets/${ticket.id}`, ticket.number) : ticket.number;
}

/** The incidents panel body: a status switch and one row per incident. */
export function loadIncidents(body, status = "open") {
  const tabs = h(
    "div",
    { class: "inline-form", role: "tablist", dataset: { testid: "incident-tabs" } },
    STATUSES.map((s) =>
      h("button", {
        type: "button",
        role: "tab",
        class: s === status ? "primary" : "secondary",
        "aria-selected": s === status ? "true" : "false",
        dataset: { status: s },
        text: label("incidentStatus", s),
        on: { click: () => loadIncidents(body, s) },
      }),
    ),
  );
  const list = h("div", {}, h("p", { class: "muted", text: t("loading") }));
  clear(body, tabs, list);
  return api("/alerts/incidents", { query: { status, limit: 100 } })
    .then((data) => clear(list, incidentTable(data.items || [], () => loadIncidents(body, status))))
    .catch((error) => clear(list, h("p", { class: "flash error", role: "alert", text: reasonOf(error) })));
}

function incidentTable(items, reload) {
  if (!items.length) return h("p", { class: "muted", text: t("noIncidents") });
  const rows = items.map((item) =>
    h(
      "tr",
      { dataset: { incident: item.incident, status: item.status } },
      h("td", {}, badge("incidentStatus", item.status)),
      h("td", {}, internalLink(`/alerts/${encodeURIComponent(item.incident)}`, `${item.rule} · ${item.brand || item.key}`)),
      h("td", { text: fmtTime(item.opened_at) }),
      h("td", { text: item.assignee ? item.assignee.display_name : "" }),
      h("td", { text: item.comments ? String(item.comments) : "" }),
      h("td", {}, ticketLink(item.ticket)),
      h(
        "td",
        {},
        item.status === "open"
          ? h("button", {
              type: "button",
              class: "secondary",
              dataset: { action: "acknowledge" },
              text: t("acknowledge"),
              on: { click: (event) => act(event.target, `/alerts/incidents/${encodeURIComponent(item.incident)}/acknowledge`, "POST", undefined, reload) },
            })
          : "",
      ),
    ),
  );
  return h(
    "table",
    { class: "table", dataset: { testid: "incidents" } },
    h("thead", {}, h("tr", {}, ["", t("rule"), t("openedAt"), t("assignee"), t("incidentComments"), t("ticket"), ""].map((c) => h("th", { text: c })))),
    h("tbody", {}, rows),
  );
}

/** Send one act; on success ``then()``, on failure the server's reason beside the control. */
async function act(control, path, method, body, then) {
  control.disabled = true;
  try {
    await api(path, { method, body });
    await then();
  } catch (error) {
    control.disabled = false;
    const holder = control.closest("form, td, section") || control.parentElement;
    flash(holder, reasonOf(error), "error");
  }
}

/** The handling section of one incident page. */
export function handlingSection(incident, ctx) {
  const section = h("section", { class: "handling", dataset: { testid: "incident-handling" } }, h("p", { class: "muted", text: t("loading") }));
  const reload = () => fillHandling(section, incident, ctx);
  reload();
  return section;
}

async function fillHandling(section, incident, ctx) {
  const path = `/alerts/incidents/${encodeURIComponent(incident)}`;
  let data;
  try {
    data = await api(`${path}/history`);
  } catch (error) {
    clear(section, h("p", { class: "flash error", role: "alert", text: reasonOf(error) }));
    return;
  }
  const reload = () => fillHandling(section, incident, ctx);
  const session = ctx.session || {};
  const choices = [["", t("unassigned")]];
  if (session.user_id) choices.push([String(session.user_id), `${t("assignMe")} (${session.display_name || session.name})`]);
  try {
    for (const person of await api("/users/assignees")) {
      if (person.id !== session.user_id) choices.push([String(person.id), person.display_name]);
    }
  } catch {
    // Only people who work tickets may list colleagues; the others can take it themselves.
  }
  if (data.assignee && !choices.some(([id]) => id === String(data.assignee.id))) {
    choices.push([String(data.assignee.id), data.assignee.display_name]);
  }
  const who = select("assignee", choices, data.assignee ? String(data.assignee.id) : "", { dataset: { testid: "assignee" } });
  const assignForm = h(
    "form",
    { class: "inline-form", dataset: { testid: "assign-form" } },
    field(t("assignee"), who),
    h("button", { type: "submit", class: "secondary", text: t("assign") }),
  );
  assignForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const user = who.value ? Number(who.value) : null;
    act(event.submitter || assignForm, `${path}/assignee`, "PUT", { user_id: user }, reload);
  });
  const text = h("textarea", { name: "comment", rows: "3", maxlength: "2000", required: true, dataset: { testid: "comment-text" } });
  const commentForm = h(
    "form",
    { class: "inline-form note-form", dataset: { testid: "comment-form" } },
    field(t("incidentComment"), text),
    h("button", { type: "submit", class: "secondary", text: t("addComment") }),
  );
  commentForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (text.value.trim()) act(event.submitter || commentForm, `${path}/comments`, "POST", { text: text.value }, reload);
  });
  let linkForm = null;
  if (!data.ticket_number && data.status !== "resolved") {
    const number = h("input", { name: "ticket", required: true, maxlength: "32", placeholder: t("ticketNumber"), dataset: { testid: "link-number" } });
    linkForm = h("form", { class: "inline-form", dataset: { testid: "link-form" } }, field(t("linkTicket"), number), h("button", { type: "submit", class: "secondary", text: t("link") }));
    linkForm.addEventListener("submit", (event) => {
      event.preventDefault();
      act(event.submitter || linkForm, `${path}/ticket`, "PUT", { number: number.value.trim() }, reload);
    });
  }
  const ackButton =
    data.status === "open"
      ? h("button", { type: "button", class: "primary", dataset: { action: "acknowledge" }, text: t("acknowledge"), on: { click: (event) => act(event.target, `${path}/acknowledge`, "POST", undefined, reload) } })
      : null;
  clear(
    section,
    h("h2", { text: t("handling") }),
    definitionList([
      [t("incidentState"), badge("incidentStatus", data.status)],
      [t("acknowledgedBy"), data.acknowledged_by ? `${data.acknowledged_by} · ${fmtTime(data.acknowledged_at)}` : ""],
    ]),
    ackButton,
    assignForm,
    linkForm,
    commentForm,
    h("h3", { text: t("history") }),
    h("ol", { class: "plain history", dataset: { testid: "incident-history" } }, data.history.map(historyEntry)),
  );
}

function historyEntry(entry) {
  const what = [label("incidentKind", entry.kind)];
  if (entry.kind === "assigned") what.push(entry.assignee ? `→ ${entry.assignee.display_name}` : `→ ${t("unassigned")}`);
  if (entry.kind === "ticket" && entry.ticket_number) what.push(entry.ticket_number);
  return h(
    "li",
    { dataset: { kind: entry.kind } },
    h("span", { class: "muted", text: fmtTime(entry.at) }),
    " ",
    h("strong", { text: what.join(" ") }),
    entry.by ? h("span", { class: "muted", text: ` · ${entry.by}` }) : null,
    entry.text ? h("p", { class: "comment", text: entry.text }) : null,
  );
}
