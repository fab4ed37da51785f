// Building the page safely. Crawled text is hostile input: every piece of data becomes a text node
// (textContent); the only markup ever parsed is the server's highlight fragments, and even those are copied
// node by node keeping nothing but text and <mark>.

import { t, label } from "./i18n.js";

const FORBIDDEN_PROPS = new Set(["innerHTML", "outerHTML", "srcdoc", "style", "href", "src"]);

/**
 * ``h("div", {class: "x", text: "…", on: {click: fn}, dataset: {id: "1"}}, child, …)``: an element whose
 * children are nodes or strings (added as text). Event handler attributes, ``style``, ``href`` and ``src``
 * cannot be set here: links go through ``internalLink`` and ``externalLink``.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "on") for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (["value", "checked", "disabled", "selected", "hidden", "required"].includes(key)) el[key] = value;
    else if (FORBIDDEN_PROPS.has(key) || key.toLowerCase().startsWith("on")) {
      throw new Error(`h(): ${key} cannot be set this way`);
    } else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A link inside the dashboard (a ``#/…`` route). */
export function internalLink(route, text, props = {}) {
  const a = h("a", props, text);
  a.href = "#" + (route.startsWith("/") ? route : "/" + route);
  return a;
}

/** ``url`` if it is an absolute http(s) URL, else ``null`` (javascript:, data:, relative…). */
export function safeUrl(url) {
  if (typeof url !== "string" || !url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** A link to a crawled post in a new tab, telling it nothing about us; plain text when the URL is unsafe. */
export function externalLink(url, text) {
  const href = safeUrl(url);
  if (!href) return h("span", { class: "muted", title: t("noLink") }, text);
  const a = h("a", { target: "_blank", rel: "noopener noreferrer", referrerpolicy: "no-referrer" }, text);
  a.href = href;
  return a;
}

/**
 * The server's highlight fragment (already HTML-escaped, with ``<mark>`` around matches) as DOM nodes.
 * DOMParser never runs scripts or loads images; the copy keeps only text and <mark>, so even a fragment that
 * was not escaped could not bring markup into the page.
 */
export function highlighted(fragment) {
  const out = document.createDocumentFragment();
  if (typeof fragment !== "string") return out;
  const parsed = new DOMParser().parseFromString(`<body>${fragment}</body>`, "text/html");
  const copy = (from, to) => {
    for (const node of from.childNodes) {
      if (node.nodeType === Node.TEXT_NODE) to.append(document.createTextNode(node.data));
      else if (node.nodeType === Node.ELEMENT_NODE && node.tagName === "MARK") {
        const mark = document.createElement("mark");
        copy(node, mark);
        to.append(mark);
      } else if (node.nodeType === Node.ELEMENT_NODE) {
        to.append(document.createTextNode(node.textContent || ""));
      }
    }
  };
  copy(parsed.body, out);
  return out;
}

export function truncate(text, length) {
  const s = String(text ?? "");
  return s.length > length ? s.slice(0, length) + "…" : s;
}

export function badge(group, value, extraClass = "") {
  return h("span", { class: `badge ${group}-${value} ${extraClass}`.trim(), dataset: { value } }, label(group, value));
}

/** Why a request failed, for people: the endpoint is not there, no permission, no server, or its message. */
export function reasonOf(error) {
  const message = error && error.message ? error.message : String(error);
  if (error && error.routeMissing) return t("notOffered");
  if (error && error.status === 403) return t("noPermission") + " " + message;
  if (error && error.status === 0) return t("networkError");
  return message;
}

/** A panel explaining why something cannot be shown, instead of a blank space or an uncaught error. */
export function unavailable(error) {
  const reason = reasonOf(error);
  return h(
    "div",
    { class: "unavailable", role: "status", dataset: { testid: "unavailable" } },
    h("strong", { text: t("notAvailable") }),
    h("span", { text: reason }),
  );
}

/**
 * A titled panel whose body ``load(body)`` fills asynchronously; any failure shows ``unavailable`` in it.
 */
export function panel(title, id, load, { wide = false } = {}) {
  const body = h("div", { class: "panel-body" }, h("p", { class: "muted", text: t("loading") }));
  const section = h("section", { class: wide ? "panel wide" : "panel", dataset: { panel: id } }, h("h2", { text: title }), body);
  Promise.resolve()
    .then(() => load(body))
    .catch((error) => {
      clear(body, unavailable(error));
    });
  return section;
}

export function field(labelText, control) {
  return h("label", { class: "field" }, h("span", { text: labelText }), control);
}

export function select(name, options, value, props = {}) {
  const el = h("select", { name, ...props });
  for (const [optionValue, text] of options) {
    const option = h("option", { value: optionValue }, text);
    if (optionValue === value) option.selected = true;
    el.append(option);
  }
  return el;
}

export function definitionList(rows) {
  const dl = h("dl", { class: "facts" });
  for (const [term, value] of rows) {
    if (value === null || value === undefined || value === "") continue;
    dl.append(h("dt", { text: term }), h("dd", {}, value));
  }
  return dl;
}

export function flash(container, text, kind = "info") {
  const note = h("p", { class: `flash ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
  container.prepend(note);
  return note;
}
