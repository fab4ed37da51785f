// Reports: the weekly complaint report (the seeds' top-10 issues, complaint rate against its baseline, SLA
// compliance, satisfaction, department ranking), written by the server in the reader's language and honest
// where data is missing ("no baseline yet: 3 of 28 days").

import { api } from "../api.js";
import { h, clear, field, select, unavailable } from "../dom.js";
import { t, label } from "../i18n.js";

function isoWeek(date) {
  const d = new Date(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((d - yearStart) / 86400000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** The last eight complete ISO weeks, newest first. */
export function recentWeeks(now = new Date()) {
  const weeks = [];
  for (let i = 1; i <= 8; i += 1) weeks.push(isoWeek(new Date(now.getTime() - i * 7 * 86400000)));
  return weeks;
}

export function render(main, ctx) {
  const params = ctx.route.params;
  const weeks = recentWeeks();
  const week = weeks.includes(params.get("week")) ? params.get("week") : weeks[0];
  const brand = ctx.session.brands.includes(params.get("brand")) ? params.get("brand") : "";
  const weekSelect = select("week", weeks.map((w) => [w, w]), week, { dataset: { testid: "report-week" } });
  const brandSelect = select("brand", [["", t("allBrands")], ...ctx.session.brands.map((b) => [b, b])], brand);
  const go = () => ctx.navigate("/reports", { week: weekSelect.value, brand: brandSelect.value });
  weekSelect.addEventListener("change", go);
  brandSelect.addEventListener("change", go);
  const body = h("div", { class: "report", dataset: { testid: "weekly-report" } }, h("p", { class: "muted", text: t("loading") }));
  main.append(
    h("h1", { class: "page-title", text: t("reportsTitle") }),
    h("div", { class: "toolbar" }, field(t("week"), weekSelect), field(t("brand"), brandSelect)),
    body,
  );
  api("/reports/weekly", { query: { week, brand } })
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
