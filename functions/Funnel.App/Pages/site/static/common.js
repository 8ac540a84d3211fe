// Shared by the pages: calling the API, formatting, and the funnel chart (signing in: signin.js).

/** An API error: the problem's `detail` (what to do about it) as the message, plus the HTTP status. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

/** Calls the app's JSON API. Resolves with the parsed body (null for an empty one); rejects with ApiError. */
export async function api(path, { method = "GET", body, token, session, raw, contentType } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (session) headers["X-Shopper-Session"] = session;
  let payload;
  if (raw !== undefined) {
    payload = raw;
    headers["Content-Type"] = contentType || "application/octet-stream";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload });
  } catch {
    throw new ApiError(0, "The app can't be reached. Check your connection and try again.");
  }
  const text = await response.text();
  const json = text ? safeJson(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, describeProblem(response.status, json));
  }
  return json;
}

/**
 * Sends a journey event and waits until the journey took it (the API answers 202 at once; the journey applies events
 * in the background). Resolves with the outcome: "applied", "ignored" or "duplicate"; "pending" if it took too long.
 * Staff send a token; the shopper sends the session their scan answered.
 */
export async function sendJourneyEvent(leadId, storeId, body, { token, session } = {}) {
  const accepted = await api(`/api/leads/${leadId}/events?storeId=${encodeURIComponent(storeId)}`, { method: "POST", token, session, body });
  const url = `/api/leads/${accepted.leadId}/stores/${encodeURIComponent(accepted.storeId)}/journey/events/${encodeURIComponent(accepted.eventId)}`;
  for (let wait = 150, waited = 0; waited < 20000; waited += wait, wait = Math.min(wait * 2, 2000)) {
    await new Promise(resolve => setTimeout(resolve, wait));
    const { outcome } = await api(url, { token, session });
    if (outcome === "failed") throw new ApiError(500, "The store could not record that just now. Please try again.");
    if (outcome !== "pending") return outcome;
  }
  return "pending";
}

function safeJson(text) {
  try { return JSON.parse(text); } catch { return null; }
}

function describeProblem(status, problem) {
  if (problem && problem.errors) {
    return Object.values(problem.errors).flat().join(" ");
  }
  if (problem && problem.detail) return problem.detail;
  if (status === 401) return "Your sign-in has expired or is not valid. Sign in again.";
  if (status === 403) return "This sign-in may not see that.";
  return `The app answered ${status}.`;
}

/**
 * The page shows its data: tests wait for body[data-ready], and the pages benchmark reads the "funnel-ready" mark
 * (milliseconds from the start of navigation).
 */
export function markReady() {
  if (document.body.dataset.ready === "true") return;
  performance.mark("funnel-ready");
  document.body.dataset.ready = "true";
}

// ---- formatting ----------------------------------------------------------------------------------------------
const numberFormat = new Intl.NumberFormat(undefined);
export const count = n => numberFormat.format(n ?? 0);
export const percent = r => (r === null || r === undefined ? "–" : `${(r * 100).toFixed(1)}%`);
export const money = (amount, currency) => {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "CNY", maximumFractionDigits: 0 }).format(amount ?? 0);
  } catch {
    return `${count(amount)} ${currency ?? ""}`.trim();
  }
};
export const when = (iso, timeZone) =>
  new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: timeZone || undefined }).format(new Date(iso));

/** Creates an element: el("td", { class: "num" }, "12"). Text only (never HTML), so data can't inject markup. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces a table body's rows; an empty list shows `empty` across the table. */
export function fillTable(tbody, rows, empty) {
  const columns = tbody.closest("table").querySelectorAll("thead th").length;
  tbody.replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: columns, class: "empty" }, empty))]));
}

/** Announces a message to screen readers and shows it in the page's status line. */
export function announce(message, isError = false) {
  const status = document.getElementById("status");
  status.textContent = message;
  status.classList.toggle("error", isError);
}

// ---- the funnel chart ----------------------------------------------------------------------------------------
/**
 * Draws the funnel as horizontal bars in an inline SVG (no library): one bar per step, its width relative to the
 * first step, with the count and the share of the step before. The SVG has a text summary for screen readers.
 */
export function drawFunnel(container, steps) {
  const ns = "http://www.w3.org/2000/svg";
  const rowHeight = 34, labelWidth = 132, valueWidth = 110, width = 560;
  const barSpace = width - labelWidth - valueWidth;
  const top = Math.max(1, steps[0]?.value ?? 0);
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${rowHeight * steps.length}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("class", "funnel-chart");
  const summary = steps.map(s => `${s.label}: ${count(s.value)}`).join(", ");
  svg.setAttribute("aria-label", `Funnel: ${summary}`);
  const title = document.createElementNS(ns, "title");
  title.textContent = `Funnel: ${summary}`;
  svg.append(title);
  steps.forEach((step, i) => {
    const y = i * rowHeight;
    const text = (x, content, anchor, cls) => {
      const t = document.createElementNS(ns, "text");
      t.setAttribute("x", x);
      t.setAttribute("y", y + rowHeight / 2 + 5);
      t.setAttribute("text-anchor", anchor);
      t.setAttribute("class", cls);
      t.textContent = content;
      svg.append(t);
    };
    const bar = document.createElementNS(ns, "rect");
    bar.setAttribute("x", labelWidth);
    bar.setAttribute("y", y + 6);
    bar.setAttribute("height", rowHeight - 12);
    bar.setAttribute("rx", 3);
    bar.setAttribute("width", Math.max(2, (barSpace * (step.value ?? 0)) / top));
    bar.setAttribute("class", `bar bar-${i % 6}`);
    text(labelWidth - 8, step.label, "end", "label");
    svg.append(bar);
    const previous = i > 0 ? steps[i - 1].value : null;
    const share = previous ? ` (${Math.round((100 * (step.value ?? 0)) / previous)}%)` : "";
    text(width - 4, `${count(step.value)}${share}`, "end", "value");
  });
  container.replaceChildren(svg);
  container.dataset.values = JSON.stringify(Object.fromEntries(steps.map(s => [s.key, s.value ?? 0])));
}

/** The funnel's steps, in order, from a funnel (a store's, a clerk's, or the chain's totals). */
export const funnelSteps = f => [
  { key: "scans", label: "Scans", value: f.scans },
  { key: "joined", label: "Joined", value: f.joined },
  { key: "trialBooked", label: "Trials booked", value: f.trialBooked },
  { key: "trialCompleted", label: "Trials done", value: f.trialCompleted },
  { key: "questions", label: "Questions", value: f.questions },
  { key: "purchases", label: "Purchases", value: f.purchases },
];

/** Key figures as a definition list's items: kpis(["Revenue", "CN¥1"], …). */
export const kpis = (...pairs) => pairs.map(([label, value]) => el("div", {}, el("dt", {}, label), el("dd", {}, value)));

/**
 * Runs a form's action with its buttons disabled, and announces the outcome: `action` returns the message to
 * announce, or throws an ApiError whose detail says what to do.
 */
export async function submitting(form, action) {
  form.querySelectorAll("button").forEach(b => { b.disabled = true; });
  form.setAttribute("aria-busy", "true");
  try {
    const message = await action();
    if (message !== undefined) announce(message);
  } catch (e) {
    announce(e.message, true);
  } finally {
    form.querySelectorAll("button").forEach(b => { b.disabled = false; });
    form.setAttribute("aria-busy", "false");
  }
}

/** Reloads `refresh` every `seconds` while the tab is visible (the demo changes the numbers under you). */
export function every(seconds, refresh) {
  setInterval(() => { if (document.visibilityState === "visible") refresh().catch(() => {}); }, seconds * 1000);
}
