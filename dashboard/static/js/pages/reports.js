// Reports: the complaint report of a day, week or month (the seeds' top-10 issues, complaint rate against its
// baseline, SLA compliance, satisfaction, department ranking), written by the server in the reader's language
// and honest where data is missing ("no baseline yet: 3 of 28 days"); below it, the reports the schedule made
// (XLSX and PDF to download, within the caller's brands).

import { api } from "../api.js";
import { h, clear, field, select, unavailable, panel } from "../dom.js";
import { t, label, fmtTime, fmtNumber } from "../i18n.js";

const KINDS = ["daily", "weekly", "monthly"];
const pad = (n) => String(n).padStart(2, "0");

function isoWeek(date) {
  const d = new Date(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((d - yearStart) / 86400000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${pad(week)}`;
}

/** The last eight complete ISO weeks, newest first. */
export function recentWeeks(now = new Date()) {
  const weeks = [];
  for (let i = 1; i <= 8; i += 1) weeks.push(isoWeek(new Date(now.getTime() - i * 7 * 86400000)));
  return weeks;
}

/** The last complete periods of ``kind``, newest first (14 days, 8 weeks or 12 months). */
export function recentPeriods(kind, now = new Date()) {
  if (kind === "weekly") return recentWeeks(now);
  const out = [];
  if (kind === "daily") {
    for (let i = 1; i <= 14; i += 1) {
      const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() - i);
      out.push(`${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`);
    }
  } else {
    for (let i = 1; i <= 12; i += 1) {
      const d = new Date(now.getFullYear(), now.getMonth() - i, 1);
      out.push(`${d.getFullYear()}-${pad(d.getMonth() + 1)}`);
    }
  }
  return out;
}

export function render(main, ctx) {
  const params = ctx.route.params;
  const kind = KINDS.includes(params.get("kind")) ? params.get("kind") : "weekly";
  const periods = recentPeriods(kind);
  // ``week`` is the older name of the parameter (weekly reports linked before daily and monthly existed).
  const asked = params.get("period") || params.get("week");
  const period = periods.includes(asked) ? asked : periods[0];
  const brand = ctx.session.brands.includes(params.get("brand")) ? params.get("brand") : "";
  const kindSelect = select("kind", KINDS.map((k) => [k, label("kind", k)]), kind, { dataset: { testid: "report-kind" } });
  const periodSelect = select("period", periods.map((p) => [p, p]), period, { dataset: { testid: "report-week" } });
  const brandSelect = select("brand", [["", t("allBrands")], ...ctx.session.brands.map((b) => [b, b])], brand);
  kindSelect.addEventListener("change", () => ctx.navigate("/reports", { kind: kindSelect.value, brand: brandSelect.value }));
  const go = () => ctx.navigate("/reports", { kind, period: periodSelect.value, brand: brandSelect.value });
  periodSelect.addEventListener("change", go);
  brandSelect.addEventListener("change", go);
  const body = h("div", { class: "report", dataset: { testid: "weekly-report" } }, h("p", { class: "muted", text: t("loading") }));
  main.append(
    h("h1", { class: "page-title", text: t("reportsTitle") }),
    h("div", { class: "toolbar" }, field(t("reportKind"), kindSelect), field(t("period"), periodSelect), field(t("brand"), brandSelect)),
    body,
    h("div", { class: "grid" }, panel(t("reportArchive"), "report-archive", loadArchive, { wide: true })),
  );
  api("/reports/complaints", { query: { kind, period, brand } })
    .then((report) => {
      const [heading, ...lines] = report.summary || [];
      const issues = (report.top_issues || []).map((issue, i) =>
        h("tr", {}, h("td", { text: String(i + 1) }), h("td", { text: label("category", issue.category) }), h("td", { text: issue.product || "" }), h("td", { text: String(issue.tickets) })),
      );
      clear(
        body,
        h("h2", { text: heading || "" }),
        h("ul", { class: "plain report-lines", dataset: { testid: "report-lines" } }, lines.map((line) => h("li", { text: line }))),
        issues.length
          ? h(
              "table",
              { class: "table", dataset: { testid: "report-issues" } },
              h("thead", {}, h("tr", {}, ...["#", t("category"), t("product"), t("navTickets")].map((c) => h("th", { text: c })))),
              h("tbody", {}, issues),
            )
          : null,
      );
    })
    .catch((error) => clear(body, unavailable(error)));
}

/** A download of a stored report's file: only our own API's report paths become links. */
function fileLink(url, text, testid) {
  if (typeof url !== "string" || !/^\/api\/v1\/reports\/archive\/\d+\/(xlsx|pdf)$/.test(url)) return h("span", { text });
  const a = h("a", { download: "", dataset: { testid } }, text);
  a.href = url;
  return a;
}

async function loadArchive(body) {
  const entries = await api("/reports/archive", { query: { limit: 60 } });
  if (!entries.length) {
    clear(body, h("p", { class: "muted", dataset: { testid: "report-archive-empty" }, text: t("reportArchiveEmpty") }));
    return;
  }
  const rows = entries.map((e) =>
    h(
      "tr",
      { dataset: { report: String(e.id) } },
      h("td", { text: label("kind", e.kind) }),
      h("td", { text: e.period }),
      h("td", { text: e.brand || t("allBrands") }),
      h("td", { text: fmtNumber(e.received) }),
      h("td", { text: fmtTime(e.created_at) }),
      h("td", { text: e.pushed_to.length ? e.pushed_to.join("、") : t("notPushed") }),
      h(
        "td",
        {},
        fileLink(e.xlsx_url, "XLSX", "report-xlsx"),
        " · ",
        fileLink(e.pdf_url, "PDF", "report-pdf"),
      ),
    ),
  );
  const columns = [t("reportKind"), t("period"), t("brand"), t("navTickets"), t("createdAt"), t("pushedTo"), t("download")];
  clear(
    body,
    h("p", { class: "muted", text: t("reportArchiveHelp") }),
    h(
      "table",
      { class: "table", dataset: { testid: "report-archive" } },
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { text: c })))),
      h("tbody", {}, rows),
    ),
  );
}
