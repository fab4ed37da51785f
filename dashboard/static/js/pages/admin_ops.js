// Admin tabs about operations: export requests and their approval by a second person, the sources and their
// health, and the alert rules with a replay over the stored history (what a rule would have fired: nothing
// stored, nobody told), all as the caller's brands and permissions allow.

import { api } from "../api.js";
import { h, clear, field, flash, select, unavailable } from "../dom.js";
import { t, label, fmtTime, fmtNumber } from "../i18n.js";
import { table, list } from "./admin.js";

// -- exports --------------------------------------------------------------------------------------------------
export function exportsTab(body, ctx) {
  const holder = h("div", {}, h("p", { class: "muted", text: t("loading") }));
  const approver = ctx.session.role === "admin" || ctx.session.permissions.includes("approve_export");
  body.append(h("p", { class: "muted", text: approver ? t("exportsApproverHint") : t("exportsOwnHint") }), holder);
  const reload = (notice) =>
    api("/exports")
      .then((requests) => {
        const rows = requests.map((r) => exportRow(r, ctx, approver, reload));
        clear(holder, rows.length ? table(["idCol", "kindCol", "requestedBy", "timeCol", "formatCol", "rowsCol", "statusCol", "decidedBy", "actionsCol"], rows, "exports-table") : h("p", { class: "muted", text: t("nothingYet") }));
        if (notice) flash(holder, notice.text, notice.kind);
      })
      .catch((error) => clear(holder, unavailable(error)));
  reload();
}

function exportRow(request, ctx, approver, reload) {
  const actions = h("td");
  const decide = (verb) => {
    const button = h("button", { type: "button", class: "secondary", dataset: { testid: `export-${verb}` } }, t(verb));
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await api(`/exports/${request.id}/${verb}`, { method: "POST" });
        reload({ text: t("saved"), kind: "ok" });
      } catch (error) {
        button.disabled = false;
        flash(actions, t("errorPrefix") + error.message, "error");
      }
    });
    return button;
  };
  if (request.status === "pending" && approver && request.requested_by !== ctx.session.name) actions.append(decide("approve"), decide("reject"));
  if (request.status === "approved" && request.requested_by === ctx.session.name) {
    const download = h("button", { type: "button", class: "primary" }, t("download"));
    // A plain navigation: the session cookie goes along and the browser saves the file.
    download.addEventListener("click", () => window.location.assign(`/api/v1/exports/${request.id}/download`));
    actions.append(download);
  }
  return h(
    "tr",
    { dataset: { exportId: String(request.id) } },
    h("td", { text: String(request.id) }),
    h("td", { text: label("exportKind", request.kind) + (request.unmask ? ` · ${t("unmasked")}` : "") }),
    h("td", { text: request.requested_by }),
    h("td", { text: fmtTime(request.requested_at) }),
    h("td", { text: request.format.toUpperCase() }),
    h("td", { text: fmtNumber(request.rows) }),
    h("td", { text: label("exportStatus", request.status) }),
    h("td", { text: request.decided_by ? `${request.decided_by} · ${fmtTime(request.decided_at)}` : "" }),
    actions,
  );
}

// -- sources --------------------------------------------------------------------------------------------------
export function sourcesTab(body) {
  const holder = h("div", {}, h("p", { class: "muted", text: t("loading") }));
  body.append(holder);
  api("/sources")
    .then((sources) => {
      const rows = sources.map((s) =>
        h(
          "tr",
          { dataset: { source: s.name } },
          h("td", { text: s.name }),
          h("td", { text: `${s.type} · ${s.platform}` }),
          h("td", { text: s.enabled ? t("yes") : t("no") }),
          h("td", { text: t("everyMinutes", { minutes: Math.round(s.interval_seconds / 60) }) }),
          h("td", { class: `state-${s.state}`, text: label("sourceState", s.state) }),
          h("td", { text: s.last_run_at ? fmtTime(s.last_run_at) : "" }),
          h("td", { text: s.last_success_at ? fmtTime(s.last_success_at) : "" }),
          h("td", { text: String(s.consecutive_failures) }),
          h("td", { text: s.items_last_run === null ? "" : fmtNumber(s.items_last_run) }),
          h("td", {}, s.error ? h("code", { lang: "en", text: s.error }) : ""),
        ),
      );
      clear(holder, rows.length ? table(["sourceCol", "typeCol", "enabledCol", "intervalCol", "stateCol", "lastRun", "lastSuccess", "failuresCol", "itemsCol", "errorCol"], rows, "sources-table") : h("p", { class: "muted", text: t("nothingYet") }));
    })
    .catch((error) => clear(holder, unavailable(error)));
}

// -- alert rules ----------------------------------------------------------------------------------------------
function params(values) {
  return Object.entries(values || {})
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && !v.length))
    .map(([k, v]) => `${label("ruleParam", k)}=${typeof v === "object" ? JSON.stringify(v) : v}`)
    .join("  ");
}

export function rulesTab(body) {
  const holder = h("div", {}, h("p", { class: "muted", text: t("loading") }));
  const result = h("div", { dataset: { testid: "rule-replay" } });
  body.append(h("p", { class: "muted", text: t("rulesHint") }), holder, result);
  api("/alerts/rules")
    .then((rules) => {
      const rows = rules.map((rule) => {
        const since = select("since", ["1d", "7d", "30d"].map((s) => [s, label("span", s)]), "7d", { "aria-label": t("replaySpan") });
        const test = h("button", { type: "button", class: "secondary", dataset: { testid: "rule-test" } }, t("testRule"));
        test.addEventListener("click", () => replay(rule.name, since.value, test, result));
        return h(
          "tr",
          { dataset: { rule: rule.name } },
          h("td", {}, h("strong", { text: rule.name }), rule.description ? h("div", { class: "muted", text: rule.description }) : null),
          h("td", { text: label("ruleType", rule.type) }),
          h("td", { text: list(rule.brands) }),
          h("td", { text: label("priority", rule.priority) }),
          h("td", { text: rule.enabled ? t("yes") : t("no") }),
          h("td", {}, h("code", { text: params(rule.params) })),
          h("td", {}, since, " ", test),
        );
      });
      clear(holder, rows.length ? table(["ruleCol", "typeCol", "brandsCol", "col_priority", "enabledCol", "paramsCol", "replayCol"], rows, "rules-table") : h("p", { class: "muted", text: t("nothingYet") }));
    })
    .catch((error) => clear(holder, unavailable(error)));
}

async function replay(name, since, button, result) {
  button.disabled = true;
  clear(result, h("p", { class: "muted", text: t("replaying", { name }) }));
  try {
    const out = await api(`/alerts/rules/${encodeURIComponent(name)}/test`, { method: "POST", query: { since } });
    const rows = out.events.map((e) =>
      h("tr", { class: `replay-${e.kind}` }, h("td", { text: fmtTime(e.at) }), h("td", { text: e.key }), h("td", { text: label("replayKind", e.kind) }), h("td", { text: e.summary })),
    );
    clear(
      result,
      h("h2", { text: t("replayTitle", { name, fired: out.fired, evaluations: out.evaluations }) }),
      h("p", { class: "muted", text: `${fmtTime(out.since)} – ${fmtTime(out.until)}` }),
      rows.length ? table(["timeCol", "keyCol", "eventCol", "summaryCol"], rows, "replay-table") : h("p", { class: "muted", text: t("replayQuiet") }),
    );
  } catch (error) {
    clear(result, unavailable(error));
  } finally {
    button.disabled = false;
  }
}
