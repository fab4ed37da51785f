// Answering the customer from a ticket: the reply form with the channel it goes through (e-mail, SMS, the
// platform where they wrote, or only recorded), each reply's delivery status (queued, sent, failed with the
// reason and the next attempt, or waiting to be posted on the platform) with retry and "posted" buttons, and
// the knowledge base's answers for this ticket, each insertable into the reply.

import { api } from "../api.js";
import { h, clear, externalLink, field, flash, select, unavailable } from "../dom.js";
import { t, label, fmtTime } from "../i18n.js";

/** The reply form; ``insert(text)`` adds a prepared answer to what is being written. */
export function replyForm(ticket, session, reload) {
  const text = h("textarea", { name: "reply", rows: "4", maxlength: "20000", placeholder: t("replyPlaceholder"), required: true, dataset: { testid: "reply-text" } });
  const channels = ["none", ...(session.reply_channels || [])];
  const channel = select("channel", channels.map((c) => [c, label("channel", c)]), channels.includes("email") && ticket.customer && ticket.customer.email ? "email" : "none", { dataset: { testid: "reply-channel" } });
  const to = h("input", { name: "to", maxlength: "300", placeholder: t("replyToDefault"), dataset: { testid: "reply-to" } });
  const toField = field(t("replyTo"), to);
  const showTo = () => {
    toField.hidden = channel.value === "none";
  };
  channel.addEventListener("change", showTo);
  showTo();
  const wait = h("input", { type: "checkbox", name: "wait_for_customer" });
  const form = h(
    "form",
    { class: "note-form", dataset: { testid: "reply-form" } },
    h("h3", { text: t("reply") }),
    text,
    h("div", { class: "inline-fields" }, field(t("replyChannel"), channel), toField),
    h("label", { class: "check" }, wait, t("waitForCustomer")),
    h("button", { type: "submit", class: "primary" }, t("send")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const body = { body: text.value, wait_for_customer: wait.checked, channel: channel.value };
    if (channel.value !== "none" && to.value.trim()) body.to = to.value.trim();
    try {
      const updated = await api(`/tickets/${ticket.id}/replies`, { method: "POST", body });
      const sent = [...(updated.comments || [])].reverse().find((c) => c.kind === "reply");
      const status = sent && sent.delivery ? sent.delivery.status : null;
      const kind = status === "failed" ? "error" : "ok";
      reload({ text: status ? t("replySaved", { status: label("delivery", status) }) : t("saved"), kind });
    } catch (error) {
      button.disabled = false;
      for (const old of form.querySelectorAll(".flash")) old.remove();
      flash(form, t("errorPrefix") + error.message, "error");
    }
  });
  const insert = (answer) => {
    text.value = text.value.trim() ? `${text.value.trimEnd()}\n${answer}` : answer;
    text.focus();
  };
  return { form, insert };
}

/** Where a reply stands on its way to the customer, and what the agent can do about it. */
export function deliveryStatus(ticket, delivery, canWrite, reload) {
  const box = h(
    "div",
    { class: `delivery delivery-${delivery.status}`, dataset: { testid: "delivery", status: delivery.status } },
    h("span", { class: `badge delivery-${delivery.status}`, text: label("delivery", delivery.status) }),
    " ",
    h("span", { class: "muted", text: [label("channel", delivery.channel), delivery.channel === "platform" ? null : delivery.recipient].filter(Boolean).join(" · ") }),
  );
  if (delivery.sent_at) box.append(" ", h("span", { class: "muted", text: t("sentAt", { time: fmtTime(delivery.sent_at) }) }));
  if (delivery.attempts > 1 || delivery.status === "failed") box.append(" ", h("span", { class: "muted", text: t("attempts", { count: delivery.attempts }) }));
  if (delivery.last_error) {
    // The channel's own words (an SMTP or gateway answer) are kept as they came: they are for whoever fixes it.
    box.append(h("div", { class: "delivery-error" }, `${t("deliveryFailed")}: `, h("code", { lang: "en", text: delivery.last_error })));
  }
  if (delivery.status === "failed") box.append(h("div", { class: "muted", text: delivery.next_attempt_at ? t("nextAttempt", { time: fmtTime(delivery.next_attempt_at) }) : t("noMoreAttempts") }));
  if (delivery.status === "manual") {
    box.append(h("div", { class: "muted" }, t("postOnPlatform"), " ", externalLink(delivery.recipient, t("original"))));
  }
  const act = (path, text, testid) => {
    const button = h("button", { type: "button", class: "secondary", dataset: { testid } }, text);
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await api(`/tickets/${ticket.id}/deliveries/${delivery.id}/${path}`, { method: "POST" });
        reload({ text: t("saved"), kind: "ok" });
      } catch (error) {
        button.disabled = false;
        flash(box, t("errorPrefix") + error.message, "error");
      }
    });
    return button;
  };
  if (canWrite && delivery.status === "failed") box.append(act("retry", t("retrySend"), "delivery-retry"));
  if (canWrite && delivery.status === "manual") box.append(act("posted", t("markPosted"), "delivery-posted"));
  return box;
}

/** The knowledge base's answers for this ticket (its category first, then by words), with "insert". */
export function knowledgePanel(ticket, insert) {
  const body = h("div", {}, h("p", { class: "muted", text: t("loading") }));
  api(`/tickets/${ticket.id}/knowledge`)
    .then((entries) => {
      if (!entries.length) return clear(body, h("p", { class: "muted", text: t("noKnowledge") }));
      clear(
        body,
        h(
          "ul",
          { class: "plain cards" },
          entries.map((entry) => {
            const use = insert ? h("button", { type: "button", class: "secondary", dataset: { testid: "knowledge-insert" } }, t("insertAnswer")) : null;
            if (use) use.addEventListener("click", () => insert(entry.answer));
            return h(
              "li",
              { class: "card", dataset: { testid: "knowledge-answer", entryId: String(entry.id) } },
              h("strong", { text: entry.title }),
              " ",
              entry.category ? h("span", { class: "muted", text: label("category", entry.category) }) : null,
              h("p", { class: "prewrap", text: entry.answer }),
              use,
            );
          }),
        ),
      );
    })
    .catch((error) => clear(body, unavailable(error)));
  return h("section", { class: "similar", dataset: { testid: "knowledge-answers" } }, h("h2", { text: t("knowledgeTitle") }), body);
}
