// The dashboard's client of /api/v1. The session cookie goes along by itself (same origin); requests that
// change something carry X-Yuqing-CSRF, which the API requires of cookie-authenticated writes.

import { lang } from "./i18n.js";

export const API = "/api/v1";
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** An error answer of the API: ``status`` (0: no answer at all), ``code``, ``message`` and ``details``. */
export class ApiError extends Error {
  constructor(status, code, message, details = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
    // FastAPI's own 404 for a path it does not know: the endpoint is not there (yet).
    this.routeMissing = status === 404 && message === "Not Found";
  }
}

/** ``?a=1&b=x&b=y`` from an object; empty values are left out, arrays repeat the name. */
export function queryString(params = {}) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) if (v !== null && v !== undefined && v !== "") search.append(name, String(v));
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

/** Call the API; resolves to ``{data, response}`` or rejects with an :class:`ApiError`. */
export async function request(path, { method = "GET", query, body, headers = {} } = {}) {
  // The server writes its messages (errors, reports) in the language the user chose here.
  const init = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", "Accept-Language": lang() === "zh" ? "zh-CN" : "en", ...headers },
  };
  if (UNSAFE.has(method)) init.headers["X-Yuqing-CSRF"] = "1";
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(API + path + queryString(query), init);
  } catch (error) {
    throw new ApiError(0, "network", String(error && error.message ? error.message : error));
  }
  let data = null;
  if (response.status !== 204) {
    const text = await response.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
  }
  if (!response.ok) {
    const error = data && data.error ? data.error : {};
    const apiError = new ApiError(
      response.status,
      error.code || "http_error",
      error.message || `${response.status} ${response.statusText}`,
      error.details ?? null,
    );
    apiError.retryAfter = Number(response.headers.get("Retry-After")) || null;
    if (response.status === 401 && !path.startsWith("/session")) {
      window.dispatchEvent(new CustomEvent("yuqing:unauthorized", { detail: apiError }));
    }
    throw apiError;
  }
  return { data, response };
}

export async function api(path, options) {
  return (await request(path, options)).data;
}
