// The login form: the API key is sent once to POST /api/v1/session, which answers with an HttpOnly cookie.

import { api, ApiError } from "../api.js";
import { h, clear } from "../dom.js";
import { t } from "../i18n.js";

export function render({ notice, onLogin, languageSwitch }) {
  const message = h("p", { class: "login-error", role: "alert", dataset: { testid: "login-error" } }, notice || "");
  const key = h("input", {
    type: "password",
    name: "key",
    id: "login-key",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    dataset: { testid: "login-key" },
  });
  const button = h("button", { type: "submit", class: "primary", dataset: { testid: "login-submit" } }, t("loginButton"));
  const form = h(
    "form",
    { class: "login-form", dataset: { testid: "login-form" } },
    h("label", { for: "login-key", text: t("loginKey") }),
    key,
    button,
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    clear(message);
    try {
      const session = await api("/session", { method: "POST", body: { key: key.value.trim() } });
      key.value = "";
      await onLogin(session);
    } catch (error) {
      let text;
      if (error instanceof ApiError && error.status === 401) text = t("loginWrong");
      else if (error instanceof ApiError && error.status === 429) text = t("loginLimited", { seconds: error.retryAfter || 60 });
      else text = t("loginFailed", { message: error.message });
      clear(message, text);
      key.focus();
      key.select();
    } finally {
      button.disabled = false;
    }
  });
  queueMicrotask(() => key.focus());
  return h(
    "main",
    { class: "login", dataset: { page: "login" } },
    h(
      "div",
      { class: "login-card" },
      h("div", { class: "login-lang" }, languageSwitch()),
      h("h1", { text: t("loginTitle") }),
      h("p", { class: "muted", text: t("loginHelp") }),
      form,
    ),
  );
}
