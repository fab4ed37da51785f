// The single page: who is logged in decides between the login form and the dashboard; the hash (#/search?q=…)
// decides the page, so every view can be bookmarked and shared.

import { api, request, ApiError } from "./api.js";
import { disposeCharts } from "./charts.js";
import { h, clear, internalLink, select, unavailable } from "./dom.js";
import { t, lang, setLang, label } from "./i18n.js";
import * as overview from "./pages/overview.js";
import * as search from "./pages/search.js";
import * as alerts from "./pages/alerts.js";
import * as tickets from "./pages/tickets.js";
import * as reports from "./pages/reports.js";
import * as admin from "./pages/admin.js";

import * as brands from "./pages/brands.js";
import * as login from "./pages/login.js";

const root = document.getElementById("app");
const state = { session: null, meta: null, notice: null };

const PAGES = {
  overview: { module: overview, nav: "navOverview" },
  search: { module: search, nav: "navSearch" },
  alerts: { module: alerts, nav: "navAlerts" },
  tickets: { module: tickets, nav: "navTickets" },
  reports: { module: reports, nav: "navReports" },
  admin: { module: admin, nav: "navAdmin" },

  brands: { module: brands, nav: "navBrands" },
};

/** ``#/tickets/12?x=1`` → ``{page: "tickets", rest: ["12"], params}``. */
export function parseRoute(hash = window.location.hash) {
  const raw = hash.replace(/^#\/?/, "");
  const [path, query = ""] = raw.split("?", 2);
  const parts = path.split("/").filter(Boolean).map((p) => decodeURIComponent(p));
  const page = PAGES[parts[0]] ? parts[0] : "overview";
  return { page, rest: parts.slice(1), params: new URLSearchParams(query) };
}

export function navigate(route, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) if (v !== null && v !== undefined && v !== "") query.append(name, String(v));
  }
  const text = query.toString();
  const target = "#" + route + (text ? "?" + text : "");
  if (window.location.hash === target) render();
  else window.location.hash = target;
}

function languageSwitch() {
  const control = select(
    "lang",
    [
      ["zh", label("lang", "zh")],
      ["en", label("lang", "en")],
    ],
    lang(),
    { "aria-label": t("language"), dataset: { testid: "language" } },
  );
  control.addEventListener("change", () => {
    setLang(control.value);
    // Kept on the user, so every browser they log in from opens in it and the server writes in it too.
    if (state.session && state.session.user_id !== null) {
      api("/session/language", { method: "PUT", body: { language: lang() } })
        .then((session) => {
          state.session = session;
        })
        .catch((error) => showError(error));
    }
    render();
  });
  return control;
}

function header(route) {
  const session = state.session;
  const nav = h(
    "nav",
    { class: "nav" },
    Object.entries(PAGES).map(([name, page]) =>
      internalLink("/" + name, t(page.nav), { class: name === route.page ? "active" : "", dataset: { nav: name } }),
    ),
  );
  const who = h(
    "span",
    { class: "who", dataset: { testid: "whoami" }, title: t("loggedInAs") },
    session.display_name || session.name,
    " · ",
    label("role", session.role),
    session.can_write_tickets ? null : ` (${t("readOnly")})`,
  );
  const logout = h("button", { type: "button", class: "link-button", dataset: { testid: "logout" } }, t("logout"));
  logout.addEventListener("click", async () => {
    try {
      await api("/session", { method: "DELETE" });
    } finally {
      state.session = null;
      render();
    }
  });
  return h(
    "header",
    { class: "topbar" },
    internalLink("/overview", t("appName"), { class: "brandmark" }),
    nav,
    h("div", { class: "topbar-right" }, who, languageSwitch(), logout),
  );
}

async function loadMeta() {
  if (state.meta) return state.meta;
  const response = await fetch("/meta.json", { credentials: "same-origin" });
  if (!response.ok) throw new ApiError(response.status, "http_error", `meta.json: ${response.status}`);
  state.meta = await response.json();
  return state.meta;
}

export function render() {
  disposeCharts();
  if (!state.session) {
    clear(root, login.render({ notice: state.notice, onLogin: loggedIn, languageSwitch }));
    return;
  }
  const route = parseRoute();
  const main = h("main", { class: "page", id: "page", dataset: { page: route.page } });
  clear(root, header(route), main);
  const ctx = { session: state.session, meta: state.meta, route, navigate, rerender: render };
  try {
    PAGES[route.page].module.render(main, ctx);
  } catch (error) {
    clear(main, unavailable(error));
  }
}

/** The user's own language, when they chose one, wins over the browser's (and the last switch here). */
function adoptLanguage(session) {
  if (session && session.language && session.language !== lang()) setLang(session.language);
}

async function loggedIn(session) {
  await loadMeta();
  adoptLanguage(session);
  state.session = session;
  state.notice = null;
  render();
}

async function boot() {
  try {
    await loadMeta();
    state.session = (await request("/session")).data;
    adoptLanguage(state.session);
  } catch (error) {
    state.session = null;
    if (!(error instanceof ApiError && error.status === 401)) state.notice = t("loginFailed", { message: error.message });
  }
  render();
}

window.addEventListener("hashchange", () => {
  if (state.session) render();
});

window.addEventListener("yuqing:unauthorized", () => {
  if (!state.session) return;
  state.session = null;
  state.notice = t("loginEnded");
  render();
});

// Nothing may fail silently: an error no page caught is shown at the top rather than leaving a blank view.
window.addEventListener("unhandledrejection", (event) => {
  showError(event.reason);
  event.preventDefault();
});

window.addEventListener("error", (event) => showError(event.error || event.message));

function showError(error) {
  const message = error && error.message ? error.message : String(error);
  console.error("yuqing: unexpected error:", message);
  const bar = h("p", { class: "flash error", role: "alert", dataset: { testid: "page-error" } }, t("unexpected", { message }));
  root.prepend(bar);
}

boot();
