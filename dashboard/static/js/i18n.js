// Chinese and English texts of the dashboard, and number and time formats for each.
// The language comes from localStorage (the switch), else from the browser: zh for any zh-*, else English.

import * as zh from "./messages/zh.js";
import * as en from "./messages/en.js";
import * as zhWorkspace from "./messages/zh_workspace.js";
import * as enWorkspace from "./messages/en_workspace.js";

const STORAGE_KEY = "yuqing.lang";

/** The labels of ``base`` with the groups of ``extra`` added (a group in both keeps the values of each). */
function mergeLabels(base, extra) {
  const out = { ...base };
  for (const [group, values] of Object.entries(extra)) out[group] = { ...(base[group] || {}), ...values };
  return out;
}

const MESSAGES = { zh: { ...zh.MESSAGES, ...zhWorkspace.MESSAGES }, en: { ...en.MESSAGES, ...enWorkspace.MESSAGES } };

// Labels of the server's vocabulary; unknown values show as they are.
const LABELS = { zh: mergeLabels(zh.LABELS, zhWorkspace.LABELS), en: mergeLabels(en.LABELS, enWorkspace.LABELS) };

let current = initialLang();

/** The language to start with: the saved choice, else zh for a zh-* browser, else en. */
export function initialLang() {
  let saved = null;
  try {
    saved = window.localStorage.getItem(STORAGE_KEY);
  } catch {
    saved = null; // storage disabled: follow the browser
  }
  if (saved === "zh" || saved === "en") return saved;
  const preferred = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const lower = String(tag || "").toLowerCase();
    if (lower === "zh" || lower.startsWith("zh-")) return "zh";
    if (lower === "en" || lower.startsWith("en-")) return "en";
  }
  return "en";
}

export function lang() {
  return current;
}

export function setLang(value) {
  current = value === "zh" ? "zh" : "en";
  try {
    window.localStorage.setItem(STORAGE_KEY, current);
  } catch {
    // storage disabled: the choice lasts until the page is reloaded
  }
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
}

/** The message ``key`` with ``{name}`` placeholders filled from ``params`` (as text, never markup). */
export function t(key, params = {}) {
  const text = MESSAGES[current][key] ?? MESSAGES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** The label of a server value (a status, a grade…) in the current language. */
export function label(group, value) {
  if (value === null || value === undefined) return "";
  const labels = LABELS[current][group] || {};
  return labels[value] ?? String(value);
}

function locale() {
  return current === "zh" ? "zh-CN" : "en-GB";
}

export function fmtTime(value) {
  if (!value) return "";
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(date);
}

export function fmtDay(value) {
  const date = value instanceof Date ? value : new Date(value);
  return new Intl.DateTimeFormat(locale(), { month: "short", day: "numeric" }).format(date);
}

export function fmtNumber(value) {
  if (typeof value !== "number") return String(value ?? "");
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 }).format(value);
}

export function fmtPercent(value) {
  if (typeof value !== "number") return "";
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 1 }).format(value);
}

setLang(current);
