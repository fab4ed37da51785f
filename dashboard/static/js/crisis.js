// Crisis alerts (rules of type critical_words: fire, poisoning, injury, media exposure…) set apart from the
// others: a red banner at the top of the overview and alerts pages, and a desktop notification for a crisis
// not seen before in this browser (when the user allowed notifications).

import { api } from "./api.js";
import { h, internalLink } from "./dom.js";
import { t, fmtTime } from "./i18n.js";

export const CRISIS_TYPES = new Set(["critical_words"]);
const SEEN_KEY = "yuqing.crisis.seen";

function seen() {
  try {
    return new Set(JSON.parse(window.localStorage.getItem(SEEN_KEY) || "[]"));
  } catch {
    return new Set();
  }
}

function remember(ids) {
  try {
    window.localStorage.setItem(SEEN_KEY, JSON.stringify([...ids].slice(-200)));
  } catch {
    // storage disabled: every load notifies again, which errs on the safe side
  }
}

function notify(items) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const known = seen();
  const fresh = items.filter((item) => item.incident && !known.has(item.incident));
  for (const item of fresh) {
    new Notification(t("crisisNotification", { brand: item.brand || item.key }), { body: item.summary || "", tag: item.incident });
    known.add(item.incident);
  }
  remember(known);
}

function enableButton() {
  if (!("Notification" in window) || Notification.permission !== "default") return null;
  const button = h("button", { type: "button", class: "link-button", dataset: { testid: "crisis-notify" } }, t("crisisEnableNotifications"));
  button.addEventListener("click", () => Notification.requestPermission().then(() => button.remove()));
  return button;
}

/** The banner of firing crisis alerts; empty (hidden) when there is none. */
export function crisisBanner() {
  const banner = h("section", { class: "crisis-banner", hidden: true, role: "alert", dataset: { testid: "crisis-banner" } });
  api("/alerts")
    .then((data) => {
      const items = (data.items || []).filter((item) => item.firing && CRISIS_TYPES.has(item.type));
      if (!items.length) return;
      banner.hidden = false;
      banner.append(
        h("h2", {}, `⚠ ${t("crisisTitle", { count: items.length })} `, enableButton()),
        h(
          "ul",
          { class: "plain" },
          items.map((item) =>
            h(
              "li",
              { dataset: { testid: "crisis-item", incident: item.incident || "" } },
              h("strong", { text: item.brand || item.key }),
              " · ",
              h("span", { text: item.since ? fmtTime(item.since) : "" }),
              " · ",
              h("span", { text: item.summary || "" }),
              " ",
              item.incident ? internalLink(`/alerts/${encodeURIComponent(item.incident)}`, t("details")) : null,
              " ",
              item.ticket_id ? internalLink(`/tickets/${item.ticket_id}`, item.ticket_number || t("ticket")) : null,
            ),
          ),
        ),
      );
      notify(items);
    })
    .catch(() => {
      // The alerts panel below shows why the alerts could not be read; the banner stays hidden.
    });
  return banner;
}
