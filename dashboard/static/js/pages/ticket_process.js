// The complaint process on the ticket page: where the ticket stands in the seeds' steps (answer the customer,
// record the measures taken, resolve, revisit), the record of measures and remarks, and the revisit. The
// server enforces the order (a ticket is resolved only with measures and a reply); this panel shows what is
// still missing so the agent never has to learn it from a refusal.

import { api, request } from "../api.js";
import { h, field, flash, select } from "../dom.js";
import { t, label } from "../i18n.js";

const SATISFACTION = ["satisfied", "basically_satisfied", "unsatisfied"];

/** The steps, each done or to do. */
export function processSteps(ticket) {
  const replied = (ticket.comments || []).some((c) => c.kind === "reply");
  const measures = Boolean((ticket.actions_taken || "").trim());
  const resolved = ["resolved", "closed"].includes(ticket.status);
  const revisited = Boolean(ticket.satisfaction);
  return [
    ["reply", replied],
    ["measures", measures],
    ["resolve", resolved],
    ["revisit", revisited],
  ];
}

function checklist(ticket) {
  return h(
    "ol",
    { class: "process-steps", dataset: { testid: "process-steps" } },
    processSteps(ticket).map(([step, done]) =>
      h("li", { class: done ? "done" : "todo", dataset: { step, done: String(done) } }, `${done ? "✓" : "○"} ${t(`step_${step}`)}`),
    ),
  );
}

function recordForm(ticket, etag, reload) {
  const measures = h("textarea", { name: "actions_taken", rows: "3", maxlength: "20000", dataset: { testid: "measures-text" } });
  measures.value = ticket.actions_taken || "";
  const remarks = h("textarea", { name: "remarks", rows: "2", maxlength: "5000", dataset: { testid: "remarks-text" } });
  remarks.value = ticket.remarks || "";
  const form = h(
    "form",
    { class: "note-form", dataset: { testid: "measures-form" } },
    h("h3", { text: t("measuresTitle") }),
    field(t("measures"), measures),
    field(t("remarks"), remarks),
    h("button", { type: "submit", class: "primary" }, t("save")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await request(`/tickets/${ticket.id}`, {
        method: "PATCH",
        body: { actions_taken: measures.value.trim() || null, remarks: remarks.value.trim() || null },
        headers: etag ? { "If-Match": etag } : {},
      });
      reload({ text: t("saved"), kind: "ok" });
    } catch (error) {
      button.disabled = false;
      flash(form, t("errorPrefix") + error.message, "error");
    }
  });
  return form;
}

function revisitForm(ticket, reload) {
  const verdict = select("satisfaction", SATISFACTION.map((v) => [v, label("satisfaction", v)]), "satisfied", { dataset: { testid: "revisit-satisfaction" } });
  const comment = h("textarea", { name: "comment", rows: "2", maxlength: "5000", dataset: { testid: "revisit-comment" } });
  const form = h(
    "form",
    { class: "note-form", dataset: { testid: "revisit-form" } },
    h("h3", { text: t("revisitTitle") }),
    h("p", { class: "muted", text: t("revisitHint") }),
    field(t("satisfaction"), verdict),
    field(t("revisitComment"), comment),
    h("button", { type: "submit", class: "primary" }, t("recordRevisit")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await api(`/tickets/${ticket.id}/satisfaction`, { method: "POST", body: { satisfaction: verdict.value, comment: comment.value.trim() || null } });
      reload({ text: t("saved"), kind: "ok" });
    } catch (error) {
      button.disabled = false;
      flash(form, t("errorPrefix") + error.message, "error");
    }
  });
  return form;
}

/** The process panel of a ticket the reader may change. */
export function processPanel(ticket, etag, reload) {
  const parts = [h("h2", { text: t("processTitle") }), checklist(ticket)];
  if (ticket.status !== "closed") parts.push(recordForm(ticket, etag, reload));
  if (ticket.status === "resolved") parts.push(revisitForm(ticket, reload));
  return h("section", { class: "process", dataset: { testid: "process" } }, ...parts);
}
