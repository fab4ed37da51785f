// One mention as a card: used by the search results and by an alert's posts. Every field is crawled text
// and goes in as text; only ``highlight`` fragments (escaped by the server, filtered again here) keep <mark>.

import { request, ApiError } from "./api.js";
import { h, clear, badge, externalLink, highlighted, internalLink, truncate, select } from "./dom.js";
import { t, label, fmtTime, fmtNumber } from "./i18n.js";

export function mentionCard(mention, { session, meta, allowTicket = true } = {}) {
  const hl = mention.highlight || {};
  const title = hl.title ? h("h3", { class: "mention-title" }, highlighted(hl.title)) : mention.title ? h("h3", { class: "mention-title", text: mention.title }) : null;
  const text = hl.text
    ? h("p", { class: "mention-text", dataset: { highlighted: "true" } }, highlighted(hl.text))
    : h("p", { class: "mention-text" }, truncate(mention.text, 400));
  const scoreText = typeof mention.sentiment_score === "number" ? ` ${fmtNumber(mention.sentiment_score)}` : "";
  const head = h(
    "div",
    { class: "mention-head" },
    h("span", { class: "badge platform", text: mention.platform }),
    (mention.brands || []).map((b) => h("span", { class: "chip", text: b })),
    badge("sentiment", mention.sentiment_label, "sentiment"),
    scoreText ? h("span", { class: "muted", title: t("score"), text: scoreText }) : null,
    h("time", { class: "muted", datetime: mention.published_at, text: fmtTime(mention.published_at) }),
    mention.author ? h("span", { class: "muted author" }, `${t("by")} `, mention.author) : null,
  );
  const actions = h("div", { class: "mention-actions" }, externalLink(mention.url, t("original")));
  const card = h("article", { class: "card mention", dataset: { mentionId: mention.id, testid: "mention" } }, head, title, text, actions);
  if (allowTicket && session && session.can_write_tickets) {
    const open = h("button", { type: "button", class: "secondary", dataset: { testid: "open-ticket" } }, t("openTicket"));
    open.addEventListener("click", () => {
      open.hidden = true;
      card.append(ticketForm(mention, session, meta, () => (open.hidden = false)));
    });
    actions.append(open);
  }
  return card;
}

function ticketForm(mention, session, meta, onCancel) {
  const defaultTitle = truncate((mention.title || mention.text || "").replace(/\s+/g, " ").trim(), 80) || mention.id;
  const title = h("input", { name: "title", value: defaultTitle, maxlength: "300", required: true });
  const brands = mention.brands && mention.brands.length ? mention.brands : session.brands;
  const brand = select("brand", brands.map((b) => [b, b]), brands[0]);
  const grade = select("priority", [["", t("gradeAuto")], ...((meta && meta.priorities) || []).map((p) => [p, label("priority", p)])], "");
  const message = h("p", { class: "form-message", role: "status" });
  const submit = h("button", { type: "submit", class: "primary", dataset: { testid: "create-ticket" } }, t("create"));
  const cancel = h("button", { type: "button", class: "link-button" }, t("cancel"));
  const form = h(
    "form",
    { class: "inline-form ticket-form", dataset: { testid: "ticket-form" } },
    h("label", { class: "field grow" }, h("span", { text: t("ticketTitle") }), title),
    h("label", { class: "field" }, h("span", { text: t("brand") }), brand),
    h("label", { class: "field" }, h("span", { text: t("grade") }), grade),
    submit,
    cancel,
    message,
  );
  cancel.addEventListener("click", () => {
    form.remove();
    onCancel();
  });
  // One key per form: a double click or a retry after a lost answer opens one ticket, not two.
  const idempotencyKey = `dashboard-${crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2)}`;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    const body = { title: title.value.trim(), brand: brand.value, mention_ids: [mention.id] };
    if (grade.value) body.priority = grade.value;
    try {
      const { data, response } = await request("/tickets", {
        method: "POST",
        body,
        headers: { "Idempotency-Key": idempotencyKey },
      });
      const created = response.status === 201;
      clear(
        message,
        t(created ? "ticketCreated" : "ticketAttached", { number: data.number }),
        " ",
        internalLink(`/tickets/${data.id}`, t("viewTicket"), { dataset: { testid: "created-ticket" } }),
      );
      message.className = "form-message ok";
    } catch (error) {
      submit.disabled = false;
      message.className = "form-message error";
      clear(message, t("errorPrefix"), error instanceof ApiError ? error.message : String(error));
    }
  });
  return form;
}
