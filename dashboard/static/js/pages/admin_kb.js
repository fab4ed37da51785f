// The knowledge base: prepared answers by category and brand. Everyone who works tickets reads and searches
// them (and finds them suggested beside each ticket); supervisors and above, and admins, write them.

import { api } from "../api.js";
import { h, clear, field, flash, select, unavailable } from "../dom.js";
import { t, label, fmtTime } from "../i18n.js";
import { table } from "./admin.js";

const EDITOR_LEVELS = ["supervisor", "manager", "executive"];

export function mayEdit(session) {
  return session.role === "admin" || (session.role === "agent" && EDITOR_LEVELS.includes(session.level));
}

export function knowledgeTab(body, ctx) {
  const categories = (ctx.meta && ctx.meta.categories) || [];
  const q = h("input", { type: "search", maxlength: "500", placeholder: t("knowledgeSearch"), dataset: { testid: "kb-search" } });
  const category = select("category", [["", t("allCategories")], ...categories.map((c) => [c, label("category", c)])], "");
  const formHolder = h("div");
  const holder = h("div", {}, h("p", { class: "muted", text: t("loading") }));
  body.append(h("div", { class: "toolbar" }, field(t("search"), q), field(t("category"), category)), formHolder, holder);
  const editable = mayEdit(ctx.session);
  const reload = (notice) => {
    if (editable) clear(formHolder, entryForm(ctx, null, reload));
    api("/knowledge/entries", { query: { q: q.value.trim(), category: category.value } })
      .then((entries) => {
        const rows = entries.map((e) => entryRow(e, ctx, editable, reload, formHolder));
        clear(holder, rows.length ? table(["titleCol", "answerCol", "category", "brandsCol", "updatedCol", "actionsCol"], rows, "kb-table") : h("p", { class: "muted", text: t("noKnowledge") }));
        if (notice) flash(holder, notice.text, notice.kind);
      })
      .catch((error) => clear(holder, unavailable(error)));
  };
  let timer = null;
  q.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => reload(), 300);
  });
  category.addEventListener("change", () => reload());
  reload();
}

function entryRow(entry, ctx, editable, reload, formHolder) {
  const actions = h("td");
  if (editable) {
    const edit = h("button", { type: "button", class: "secondary", dataset: { testid: "kb-edit" } }, t("edit"));
    edit.addEventListener("click", () => clear(formHolder, entryForm(ctx, entry, reload)));
    const remove = h("button", { type: "button", class: "secondary", dataset: { testid: "kb-delete" } }, t("delete"));
    remove.addEventListener("click", async () => {
      remove.disabled = true;
      try {
        await api(`/knowledge/entries/${entry.id}`, { method: "DELETE" });
        reload({ text: t("deleted"), kind: "ok" });
      } catch (error) {
        remove.disabled = false;
        flash(actions, t("errorPrefix") + error.message, "error");
      }
    });
    actions.append(edit, remove);
  }
  return h(
    "tr",
    { dataset: { entryId: String(entry.id) } },
    h("td", { text: entry.title }),
    h("td", { class: "prewrap", text: entry.answer }),
    h("td", { text: entry.category ? label("category", entry.category) : t("allCategories") }),
    h("td", { text: entry.brand || t("allBrands") }),
    h("td", { text: `${entry.updated_by} · ${fmtTime(entry.updated_at)}` }),
    actions,
  );
}

function entryForm(ctx, entry, reload) {
  const categories = (ctx.meta && ctx.meta.categories) || [];
  const title = h("input", { name: "title", maxlength: "200", required: true, dataset: { testid: "kb-title" } });
  title.value = entry ? entry.title : "";
  const answer = h("textarea", { name: "answer", rows: "3", maxlength: "5000", required: true, dataset: { testid: "kb-answer" } });
  answer.value = entry ? entry.answer : "";
  const category = select("category", [["", t("allCategories")], ...categories.map((c) => [c, label("category", c)])], entry && entry.category ? entry.category : "", { dataset: { testid: "kb-category" } });
  // Someone limited to some brands writes for one of them; an answer for every brand is for those who see all.
  const brandOptions = [...(ctx.session.all_brands ? [["", t("allBrands")]] : []), ...ctx.session.brands.map((b) => [b, b])];
  const brand = select("brand", brandOptions, entry && entry.brand ? entry.brand : brandOptions[0][0], { dataset: { testid: "kb-brand" } });
  const form = h(
    "form",
    { class: "admin-form", dataset: { testid: "kb-form" } },
    h("h3", { text: entry ? t("editEntry") : t("addEntry") }),
    field(t("titleCol"), title),
    field(t("answerCol"), answer),
    field(t("category"), category),
    field(t("brand"), brand),
    h("button", { type: "submit", class: "primary", dataset: { testid: "kb-save" } }, entry ? t("save") : t("add")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const body = { title: title.value.trim(), answer: answer.value.trim(), category: category.value || null, brand: brand.value || null };
    try {
      await api(entry ? `/knowledge/entries/${entry.id}` : "/knowledge/entries", { method: entry ? "PUT" : "POST", body });
      reload({ text: t("saved"), kind: "ok" });
    } catch (error) {
      button.disabled = false;
      for (const old of form.querySelectorAll(".flash")) old.remove();
      flash(form, t("errorPrefix") + error.message, "error");
    }
  });
  return form;
}
