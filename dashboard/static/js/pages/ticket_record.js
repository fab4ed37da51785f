// The record of a ticket as the seeds' record table has it, editable by whoever works tickets: grade, category,
// product, department and assignee (assign and transfer), with If-Match so nobody's change is lost; merging a
// duplicate into another ticket; and the similar solved cases shown beside, with how they were solved.

import { api, request } from "../api.js";
import { h, clear, internalLink, field, flash, select } from "../dom.js";
import { t, label } from "../i18n.js";

function patchForm(ticket, etag, reload, form, changes) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    const body = changes();
    if (!Object.keys(body).length) return;
    button.disabled = true;
    try {
      await request(`/tickets/${ticket.id}`, { method: "PATCH", body, headers: etag ? { "If-Match": etag } : {} });
      reload({ text: t("saved"), kind: "ok" });
    } catch (error) {
      button.disabled = false;
      for (const old of form.querySelectorAll(".flash")) old.remove();
      flash(form, t("errorPrefix") + error.message, "error");
    }
  });
}

/** Grade, category, product, department and assignee. */
export function recordEditor(ticket, etag, ctx, reload) {
  const meta = ctx.meta || {};
  const priority = select("priority", (meta.priorities || []).map((p) => [p, label("priority", p)]), ticket.priority, { dataset: { testid: "edit-priority" } });
  const category = select("category", (meta.categories || []).map((c) => [c, label("category", c)]), ticket.category, { dataset: { testid: "edit-category" } });
  const product = h("input", { name: "product", maxlength: "200", dataset: { testid: "edit-product" } });
  product.value = ticket.product || "";
  const department = h("input", { name: "department", maxlength: "100", dataset: { testid: "edit-department" } });
  department.value = ticket.department || "";
  const assignee = select("assignee", [["", t("unassigned")]], "", { dataset: { testid: "edit-assignee" } });
  const loadAssignees = () =>
    api("/users/assignees", { query: { department: department.value.trim() } })
      .then((people) => {
        clear(assignee, h("option", { value: "" }, t("unassigned")));
        for (const person of people) {
          const option = h("option", { value: String(person.id) }, person.display_name);
          if (person.id === ticket.assignee_id) option.selected = true;
          assignee.append(option);
        }
      })
      .catch(() => assignee.append(h("option", { value: "" }, t("assigneesUnavailable"))));
  loadAssignees();
  department.addEventListener("change", loadAssignees);
  const form = h(
    "form",
    { class: "record-form", dataset: { testid: "record-form" } },
    h("h3", { text: t("recordTitle") }),
    h("div", { class: "grid-2" }, field(t("col_priority"), priority), field(t("category"), category), field(t("product"), product), field(t("department"), department), field(t("assignee"), assignee)),
    h("button", { type: "submit", class: "primary" }, t("save")),
  );
  patchForm(ticket, etag, reload, form, () => {
    const body = {};
    if (priority.value !== ticket.priority) body.priority = priority.value;
    if (category.value !== ticket.category) body.category = category.value;
    if ((product.value.trim() || null) !== (ticket.product || null)) body.product = product.value.trim() || null;
    const dept = department.value.trim();
    if (dept && dept !== ticket.department) body.department = dept;
    const who = assignee.value ? Number(assignee.value) : null;
    if (who !== (ticket.assignee_id ?? null) && (who !== null || body.department)) body.assignee_id = who;
    return body;
  });
  return form;
}

/** Merge this ticket (a duplicate) into another one, named by its number. */
export function mergeForm(ticket, ctx) {
  const target = h("input", { name: "into", placeholder: t("lookupPlaceholder"), dataset: { testid: "merge-into" } });
  const form = h(
    "form",
    { class: "merge-form", dataset: { testid: "merge-form" } },
    h("h3", { text: t("mergeTitle") }),
    h("p", { class: "muted", text: t("mergeHint") }),
    target,
    h("button", { type: "submit", class: "secondary" }, t("merge")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const into = await api(`/tickets/by-number/${encodeURIComponent(target.value.trim())}`);
      await api(`/tickets/${ticket.id}/merge`, { method: "POST", body: { into: into.id } });
      ctx.navigate(`/tickets/${into.id}`);
    } catch (error) {
      button.disabled = false;
      for (const old of form.querySelectorAll(".flash")) old.remove();
      flash(form, t("errorPrefix") + error.message, "error");
    }
  });
  return form;
}

/** Closed tickets like this one and what solved them. */
export function similarCases(ticket) {
  const cases = ticket.similar_cases || [];
  return h(
    "section",
    { class: "similar", dataset: { testid: "similar-cases" } },
    h("h2", { text: t("similarTitle") }),
    cases.length
      ? h(
          "ul",
          { class: "plain cards" },
          cases.map((c) =>
            h(
              "li",
              { class: "card", dataset: { testid: "similar-case" } },
              h("div", {}, internalLink(`/tickets/${c.id}`, c.number), " ", h("strong", { text: c.title }), " ", h("span", { class: "muted", text: label("category", c.category) })),
              h("p", { class: "prewrap", text: `${t("solution")}: ${c.solution}` }),
            ),
          ),
        )
      : h("p", { class: "muted", text: t("noSimilar") }),
  );
}
