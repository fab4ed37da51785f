// ECharts (vendored, loaded by index.html as a classic script) drawing on canvas. Tooltips are built as DOM
// elements with textContent, never as HTML strings, so no crawled or configured text is parsed as markup.

import { h } from "./dom.js";
import { t, lang, fmtNumber, fmtPercent, fmtTime } from "./i18n.js";

const charts = new Set();

const COLORS = { volume: "#5b8def", negative: "#f19a9a", share: "#c62828", alert: "#c62828" };

function library() {
  const echarts = window.echarts;
  if (!echarts) throw new Error("ECharts did not load");
  return echarts;
}

function init(el) {
  const chart = library().init(el, null, { renderer: "canvas", locale: lang() === "zh" ? "ZH" : "EN" });
  charts.add(chart);
  return chart;
}

/** Dispose of every chart (before the page is replaced). */
export function disposeCharts() {
  for (const chart of charts) if (!chart.isDisposed()) chart.dispose();
  charts.clear();
}

window.addEventListener("resize", () => {
  for (const chart of charts) if (!chart.isDisposed()) chart.resize();
});

function tooltipBox(title, rows) {
  return h(
    "div",
    { class: "chart-tip" },
    h("div", { class: "chart-tip-title", text: title }),
    rows.map(([name, value, color]) => {
      const dot = h("span", { class: "dot" });
      if (color) dot.style.backgroundColor = color; // CSSOM: allowed by the Content-Security-Policy
      return h("div", { class: "chart-tip-row" }, dot, h("span", { text: name }), h("b", { text: value }));
    }),
  );
}

/**
 * Volume (bars), negative count (bars) and negative share (line, right axis) of one brand's trend series,
 * with a dashed marker at each alert that fired (``events``, from /alerts/events).
 */
export function trendChart(el, series, events = [], period = {}) {
  const chart = init(el);
  // Epoch milliseconds: ECharts does not parse every ISO 8601 form the API writes (microseconds, "Z").
  const buckets = (series.buckets || []).map((b) => ({ ...b, start: Date.parse(b.start) }));
  const since = period.since ? Date.parse(period.since) : buckets.length ? buckets[0].start : 0;
  const until = period.until ? Date.parse(period.until) : buckets.length ? buckets[buckets.length - 1].start : 0;
  // Alerts closer than 1/40 of the axis share one marker: their labels would print over each other.
  const markers = clusterMarkers(events, Math.max(0, until - since) / 40);
  const names = { volume: t("trendVolume"), negative: t("trendNegative"), share: t("trendShare") };
  chart.setOption({
    animation: false,
    color: [COLORS.volume, COLORS.negative, COLORS.share],
    legend: { data: [names.volume, names.negative, names.share], top: 0 },
    grid: { left: 48, right: 56, top: 40, bottom: 32 },
    tooltip: {
      trigger: "axis",
      formatter(params) {
        const list = Array.isArray(params) ? params : [params];
        const at = list.length ? list[0].value[0] : "";
        const rows = list.map((p) => {
          const v = p.value[1];
          return [p.seriesName, p.seriesName === names.share ? (v === null ? "–" : fmtPercent(v)) : fmtNumber(v), p.color];
        });
        const alerts = events.filter((e) => bucketOf(Date.parse(e.at), buckets) === at);
        for (const e of alerts) rows.push([`⚠ ${t("trendAlert")}`, e.rule, COLORS.alert]);
        return tooltipBox(fmtTime(at), rows);
      },
    },
    // The whole period asked for, so an alert after the last bucket's start still gets its marker.
    xAxis: { type: "time", min: period.since ? Date.parse(period.since) : null, max: period.until ? Date.parse(period.until) : null },
    yAxis: [
      { type: "value", minInterval: 1, name: names.volume },
      { type: "value", min: 0, max: 1, name: names.share, axisLabel: { formatter: (v) => fmtPercent(v) }, splitLine: { show: false } },
    ],
    series: [
      {
        name: names.volume,
        type: "bar",
        data: buckets.map((b) => [b.start, b.count]),
        barMaxWidth: 28,
        markLine: {
          silent: false,
          symbol: ["none", "pin"],
          symbolSize: 14,
          lineStyle: { color: COLORS.alert, type: "dashed", width: 1.5 },
          label: { formatter: "⚠ {b}", color: COLORS.alert, position: "end" },
          data: markers,
        },
      },
      { name: names.negative, type: "bar", data: buckets.map((b) => [b.start, b.negative]), barGap: "-100%", barMaxWidth: 28 },
      {
        name: names.share,
        type: "line",
        yAxisIndex: 1,
        smooth: true,
        connectNulls: true,
        showSymbol: false,
        data: buckets.map((b) => [b.start, b.negative_share]),
      },
    ],
  });
  return chart;
}

/**
 * One marker per cluster of alerts: an alert within ``gap`` milliseconds of the first of the current cluster
 * joins it. A cluster of one alert is labelled with its rule; of several, with the rule and how many (one
 * rule) or with how many alerts; the tooltip of the bucket lists them all.
 */
export function clusterMarkers(events, gap) {
  const sorted = events
    .map((event) => ({ at: Date.parse(event.at), rule: event.rule }))
    .filter((event) => Number.isFinite(event.at))
    .sort((a, b) => a.at - b.at);
  const clusters = [];
  for (const event of sorted) {
    const last = clusters[clusters.length - 1];
    if (last && event.at - last.at <= gap) last.rules.push(event.rule);
    else clusters.push({ at: event.at, rules: [event.rule] });
  }
  return clusters.map(({ at, rules }) => {
    const distinct = [...new Set(rules)];
    let name = rules[0];
    if (rules.length > 1) name = distinct.length === 1 ? `${rules[0]} ×${rules.length}` : t("trendAlerts", { count: rules.length });
    return { xAxis: at, name, value: name };
  });
}

/** The start of the bucket that contains the instant ``time`` (buckets are sorted). */
function bucketOf(time, buckets) {
  let found = null;
  for (const b of buckets) if (b.start <= time) found = b.start;
  return found;
}

/** Horizontal bars of ``[{value, count}]`` (a facet), largest first. */
export function barChart(el, items, format = (v) => v) {
  const chart = init(el);
  const sorted = [...items].sort((a, b) => a.count - b.count);
  chart.setOption({
    animation: false,
    color: [COLORS.volume],
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    tooltip: {
      trigger: "item",
      formatter: (p) => tooltipBox(format(p.name), [[t("trendVolume"), fmtNumber(p.value), p.color]]),
    },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: sorted.map((item) => format(item.value)) },
    series: [
      {
        type: "bar",
        data: sorted.map((item) => ({ value: item.count, name: item.value })),
        label: { show: true, position: "right" },
        barMaxWidth: 22,
      },
    ],
  });
  return chart;
}

/**
 * One line per brand over time (the competitor view): ``series`` is ``[{brand, buckets}]`` from /stats/brands and
 * ``value(bucket)`` the plotted number (a count, or a share shown as a percentage with ``percent``).
 */
export function brandLinesChart(el, series, value, { percent = false } = {}) {
  const chart = init(el);
  const format = percent ? fmtPercent : fmtNumber;
  chart.setOption({
    animation: false,
    legend: { data: series.map((s) => s.brand), top: 0 },
    grid: { left: 56, right: 24, top: 40, bottom: 32 },
    tooltip: {
      trigger: "axis",
      formatter: (items) =>
        tooltipBox(
          fmtTime(items[0].value[0]),
          items.map((p) => [p.seriesName, p.value[1] === null ? "–" : format(p.value[1]), p.color]),
        ),
    },
    xAxis: { type: "time" },
    yAxis: { type: "value", min: 0, max: percent ? 1 : undefined, axisLabel: { formatter: (v) => format(v) } },
    series: series.map((s) => ({
      name: s.brand,
      type: "line",
      showSymbol: false,
      connectNulls: false,
      data: s.buckets.map((b) => [Date.parse(b.start), value(b)]),
    })),
  });
  return chart;
}
