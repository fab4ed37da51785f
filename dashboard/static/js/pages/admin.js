// Administration: one page of tabs (#/admin/users, …). Users and roles with their brand scopes, and the audit
// log, are for admins; export requests and approvals, sources and their health, alert rules (with a replay over
// the stored history) and the knowledge base are for everyone, each showing only what the caller's brands and
// role allow (the server decides; the page only leaves out tabs that would answer 403).

import { api } from "../api.js";
import { h, clear, internalLink, field, flash, select, unavailable } from "../dom.js";
import { t, label, fmtTime } from "../i18n.js";
import { exportsTab, sourcesTab, rulesTab } from "./admin_ops.js";
import { knowledgeTab } from "./admin_kb.js";

const TABS = [
  { name: "users", admin: true, render: usersTab },
  { name: "exports", admin: false, render: exportsTab },
  { name: "audit", admin: true, render: auditTab },
  { name: "sources", admin: false, render: sourcesTab },
  { name: "rules", admin: false, render: rulesTab },
  { name: "knowledge", admin: false, render: knowledgeTab },
];
const ROLES = ["agent", "pr", "admin"];
const LEVELS = ["agent", "supervisor", "manager", "executive"];
const PERMISSIONS = ["pii", "export", "approve_export"];

export function tabsFor(session) {
  return TABS.filter((tab) => !tab.admin || session.role === "admin");
}

export function render(main, ctx) {
  const tabs = tabsFor(ctx.session);
  const current = tabs.find((tab) => tab.name === ctx.route.rest[0]) || tabs[0];
  main.append(
    h("h1", { class: "page-title", text: t("adminTitle") }),
    h(
      "nav",
      { class: "tabs", dataset: { testid: "admin-tabs" } },
      tabs.map((tab) => internalLink(`/admin/${tab.name}`, t(`admin_${tab.name}`), { class: tab === current ? "active" : "", dataset: { tab: tab.name } })),
    ),
  );
  const body = h("div", { class: "admin-body", dataset: { testid: `admin-${current.name}` } });
  main.append(body);
  current.render(body, ctx);
}

/** A table of ``rows`` under ``columns`` (message keys); cells are nodes or text. */
export function table(columns, rows, testid) {
  return h(
    "table",
    { class: "table", dataset: { testid } },
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { text: t(c) })))),
    h("tbody", {}, rows),
  );
}

export function list(values, empty = "") {
  return values && values.length ? values.join("、") : empty;
}

function checkboxes(name, options, chosen) {
  return h(
    "span",
    { class: "checks", dataset: { testid: `user-${name}` } },
    options.map(([value, text]) => h("label", { class: "check" }, h("input", { type: "checkbox", name, value, checked: chosen.includes(value) }), text)),
  );
}

function checked(form, name) {
  return [...form.querySelectorAll(`input[name=${name}]:checked`)].map((input) => input.value);
}

// -- users ----------------------------------------------------------------------------------------------------
function usersTab(body, ctx) {
  const holder = h("div", {}, h("p", { class: "muted", text: t("loading") }));
  const formHolder = h("div");
  body.append(formHolder, holder);
  const reload = (notice) => {
    api("/users")
      .then((users) => {
        clear(formHolder, userForm(ctx, null, reload));
        clear(holder, table(["userName", "displayName", "role", "level", "departmentsCol", "brandsCol", "permissionsCol", "languageCol", "activeCol", "actionsCol"], users.map((u) => userRow(u, ctx, reload, formHolder)), "users-table"));
        if (notice) flash(holder, notice.text, notice.kind);
      })
      .catch((error) => clear(holder, unavailable(error)));
  };
  reload();
}

function userRow(user, ctx, reload, formHolder) {
  const edit = h("button", { type: "button", class: "secondary", dataset: { testid: "user-edit" } }, t("edit"));
  edit.addEventListener("click", () => clear(formHolder, userForm(ctx, user, reload)));
  const toggle = h("button", { type: "button", class: "secondary" }, user.active ? t("deactivate") : t("activate"));
  toggle.addEventListener("click", () => act(`/users/${user.id}/${user.active ? "deactivate" : "activate"}`, toggle, reload));
  const rotate = h("button", { type: "button", class: "secondary" }, t("newKey"));
  rotate.addEventListener("click", () => act(`/users/${user.id}/key`, rotate, reload, (made) => ({ text: t("keyShownOnce", { name: made.name, key: made.api_key }), kind: "ok" })));
  return h(
    "tr",
    { dataset: { user: user.name } },
    h("td", { text: user.name }),
    h("td", { text: user.display_name }),
    h("td", { text: label("role", user.role) }),
    h("td", { text: label("level", user.level) }),
    h("td", { text: list(user.departments) }),
    h("td", { text: list(user.brands, t("allBrands")) }),
    h("td", { text: list(user.permissions.map((p) => label("permission", p))) }),
    h("td", { text: user.language ? label("lang", user.language) : t("browserLanguage") }),
    h("td", { text: user.active ? t("yes") : t("no") }),
    h("td", {}, edit, toggle, rotate),
  );
}

async function act(path, button, reload, notice = () => ({ text: t("saved"), kind: "ok" })) {
  button.disabled = true;
  try {
    reload(notice(await api(path, { method: "POST" })));
  } catch (error) {
    button.disabled = false;
    flash(button.closest("td") || button, t("errorPrefix") + error.message, "error");
  }
}

function userForm(ctx, user, reload) {
  const editing = Boolean(user);
  const name = h("input", { name: "name", maxlength: "64", required: true, disabled: editing, dataset: { testid: "user-name" } });
  name.value = user ? user.name : "";
  const display = h("input", { name: "display_name", maxlength: "100", dataset: { testid: "user-display" } });
  display.value = user ? user.display_name : "";
  const role = select("role", ROLES.map((r) => [r, label("role", r)]), user ? user.role : "agent", { dataset: { testid: "user-role" } });
  const level = select("level", LEVELS.map((l) => [l, label("level", l)]), user ? user.level : "agent");
  const departments = h("input", { name: "departments", placeholder: t("departmentsHint"), dataset: { testid: "user-departments" } });
  departments.value = user ? user.departments.join(", ") : "";
  const language = select("language", [["", t("browserLanguage")], ["zh", label("lang", "zh")], ["en", label("lang", "en")]], user && user.language ? user.language : "");
  const form = h(
    "form",
    { class: "admin-form", dataset: { testid: "user-form" } },
    h("h3", { text: editing ? t("editUser", { name: user.name }) : t("addUser") }),
    field(t("userName"), name),
    field(t("displayName"), display),
    field(t("role"), role),
    field(t("level"), level),
    field(t("departmentsCol"), departments),
    field(t("brandsCol"), checkboxes("brands", ctx.session.brands.map((b) => [b, b]), user ? user.brands : [])),
    field(t("permissionsCol"), checkboxes("permissions", PERMISSIONS.map((p) => [p, label("permission", p)]), user ? user.permissions : [])),
    field(t("languageCol"), language),
    h("button", { type: "submit", class: "primary", dataset: { testid: "user-save" } }, editing ? t("save") : t("add")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    const body = {
      display_name: display.value.trim() || undefined,
      role: role.value,
      level: level.value,
      departments: departments.value.split(/[,，、\s]+/).filter(Boolean),
      brands: checked(form, "brands"),
      permissions: checked(form, "permissions"),
    };
    if (language.value) body.language = language.value;
    button.disabled = true;
    try {
      if (editing) {
        await api(`/users/${user.id}`, { method: "PATCH", body });
        reload({ text: t("saved"), kind: "ok" });
      } else {
        const made = await api("/users", { method: "POST", body: { ...body, name: name.value.trim() } });
        reload({ text: t("keyShownOnce", { name: made.name, key: made.api_key }), kind: "ok" });
      }
    } catch (error) {
      button.disabled = false;
      for (const old of form.querySelectorAll(".flash")) old.remove();
      flash(form, t("errorPrefix") + error.message, "error");
    }
  });
  return form;
}

// -- audit log ------------------------------------------------------------------------------------------------
function auditTab(body) {
  const filter = h("input", { type: "search", placeholder: t("auditFilter"), dataset: { testid: "audit-filter" } });
  const holder = h("div", {}, h("p", { class: "muted", text: t("loading") }));
  body.append(h("div", { class: "toolbar" }, field(t("search"), filter)), holder);
  api("/audit", { query: { limit: 500 } })
    .then((entries) => {
      const show = () => {
        const needle = filter.value.trim().toLowerCase();
        const rows = entries
          .filter((e) => !needle || [e.actor, e.action, label("auditAction", e.action), e.object_type, e.object_id].join(" ").toLowerCase().includes(needle))
          .map((e) =>
            h(
              "tr",
              {},
              h("td", { text: fmtTime(e.at) }),
              h("td", { text: e.actor }),
              h("td", { text: label("auditAction", e.action) }),
              h("td", { text: `${label("objectType", e.object_type)} ${e.object_id || ""}`.trim() }),
              h("td", {}, h("code", { text: JSON.stringify(e.details) })),
            ),
          );
        clear(holder, rows.length ? table(["timeCol", "actorCol", "actionCol", "objectCol", "detailsCol"], rows, "audit-table") : h("p", { class: "muted", text: t("nothingYet") }));
      };
      filter.addEventListener("input", show);
      show();
    })
    .catch((error) => clear(holder, unavailable(error)));
}
