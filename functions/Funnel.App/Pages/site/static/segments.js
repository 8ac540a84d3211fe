// The HQ console's Audience card: build a segment (the chain or a region; tags, stages, inactivity, purchases) with a
// live count while its conditions change, save it, send it a broadcast and follow the broadcast's report until done.
import { api, announce, count, el, percent, submitting } from "./common.js";

const $ = id => document.getElementById(id);
const debounceMs = 400;
const reportEverySeconds = 2;
let token, previewTimer = null, previewSeq = 0, followed = null, reportTimer = null;
const segmentNames = new Map();

export function bindAudience(t) {
  token = t;
  const form = $("segment-form");
  const changed = event => { if (event.target.name !== "title") schedulePreview(); };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", saveSegment);
  $("broadcast-form").addEventListener("submit", sendBroadcast);
  $("broadcast-text").addEventListener("input", countCharacters);
  $("report-refresh").addEventListener("click", () => { if (followed) follow(followed, { now: true }); });
}

/**
 * The saved segments, and the count of the segment as the form stands (every member of the chain at first), which
 * the page does not wait for: counting a large chain takes a while.
 */
export async function loadAudience() {
  preview().catch(() => {});
  await loadSegments();
}

/** The definition the form describes, as the API takes it. */
function definition() {
  const form = $("segment-form");
  const f = form.elements;
  const scope = f.scope.value ? { kind: "region", region: f.scope.value } : { kind: "chain" };
  const filter = {};
  const tags = f.tags.value.split(",").map(t => t.trim()).filter(Boolean);
  if (tags.length) filter.tagsAll = tags;
  const stages = [...form.querySelectorAll("input[name=stage]:checked")].map(i => i.value);
  if (stages.length) filter.stages = stages;
  const inactive = days(f.inactiveForDays);
  if (inactive !== null) filter.inactiveForDays = inactive;
  if (f.purchased.value) filter.purchased = f.purchased.value === "yes";
  const notPurchased = days(f.notPurchasedForDays);
  if (notPurchased !== null) filter.notPurchasedForDays = notPurchased;
  return { scope, filter };
}

/** A number of days from a field: null when empty (the API says what is wrong with a number out of range). */
const days = input => (input.value === "" ? null : Math.trunc(Number(input.value)));

function schedulePreview() {
  clearTimeout(previewTimer);
  $("segment-live").setAttribute("aria-busy", "true");
  previewTimer = setTimeout(() => { preview().catch(() => {}); }, debounceMs);
}

/** Counts the segment now; an answer that arrives after a newer question's is dropped. */
async function preview() {
  const seq = ++previewSeq;
  const live = $("segment-live");
  live.setAttribute("aria-busy", "true");
  try {
    const answer = await api("/api/segments/preview", { method: "POST", token, body: definition() });
    if (seq !== previewSeq) return;
    live.dataset.count = String(answer.count);
    const sample = answer.sample.slice(0, 5).map(m => `${m.leadId.slice(0, 8)} (${m.stage ?? "awareness"})`);
    live.replaceChildren(
      el("p", { class: "count-line" }, el("strong", { id: "segment-count" }, count(answer.count)), answer.count === 1 ? " shopper matches" : " shoppers match"),
      el("p", { id: "segment-cost", class: "help" },
        `read ${count(answer.stores)} ${answer.stores === 1 ? "store" : "stores"}, ${count(answer.rowsRead)} rows in ${count(answer.tookMs)} ms`),
      sample.length ? el("p", { class: "help" }, `For example: ${sample.join(", ")}`) : null);
  } catch (e) {
    if (seq !== previewSeq) return;
    delete live.dataset.count;
    live.replaceChildren(el("p", { class: "error" }, `Can't count this segment: ${e.message}`));
  } finally {
    if (seq === previewSeq) live.setAttribute("aria-busy", "false");
  }
}

const scopeText = scope => (scope.kind === "region" ? `region ${scope.region}` : scope.kind === "store" ? `store ${scope.storeId}` : "the chain");

/** Fills the broadcast's segment picker, newest first; `select`: the segment to pick. */
async function loadSegments(select) {
  const segments = await api("/api/segments", { token });
  segments.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  segments.forEach(s => segmentNames.set(s.segmentId, s.name));
  const picker = $("broadcast-segment");
  const chosen = select ?? picker.value;
  picker.replaceChildren(...(segments.length
    ? segments.map(s => el("option", { value: s.segmentId }, `${s.name} (${scopeText(s.scope)})`))
    : [el("option", { value: "" }, "No segments yet: save one first")]));
  if (chosen && segments.some(s => s.segmentId === chosen)) picker.value = chosen;
}

async function saveSegment(event) {
  event.preventDefault();
  const form = event.target;
  const title = form.elements.title;
  if (!title.value.trim()) {
    title.setAttribute("aria-invalid", "true");
    announce("Give the segment a title first.", true);
    title.focus();
    return;
  }
  title.removeAttribute("aria-invalid");
  await submitting(form, async () => {
    const saved = await api("/api/segments", { method: "POST", token, body: { name: title.value.trim(), ...definition() } });
    await loadSegments(saved.segmentId);
    return `Segment ${saved.name} saved. Write its message under Send a broadcast.`;
  });
}

function countCharacters() {
  $("broadcast-chars").textContent = `${count($("broadcast-text").value.length)} of 500 characters`;
}

const newBroadcastId = () =>
  `bc-${(crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}${Math.random()}`).replace(/[^a-zA-Z0-9]/g, "").slice(0, 20)}`;

async function sendBroadcast(event) {
  event.preventDefault();
  const form = event.target;
  const segmentId = form.elements.segment.value;
  const textArea = form.elements.text;
  if (!segmentId) return announce("Save a segment first, then send it a message.", true);
  if (!textArea.value.trim()) {
    textArea.setAttribute("aria-invalid", "true");
    textArea.focus();
    return announce("Write the message first.", true);
  }
  textArea.removeAttribute("aria-invalid");
  // One id per press: the API takes a repeated request with the same id as the same broadcast.
  const broadcastId = newBroadcastId();
  await submitting(form, async () => {
    const report = await api("/api/broadcasts", { method: "POST", token, body: { broadcastId, segmentId, text: textArea.value.trim() } });
    showReport(report);
    follow(report.broadcastId);
    form.elements.text.value = "";
    countCharacters();
    return `Broadcast ${report.broadcastId} started. Its report below updates every ${reportEverySeconds} seconds until it is done.`;
  });
}

/** Done: every target decided and every message queued answered by its channel. */
const finished = report => report.status === "done" && report.delivering === 0;

/** Reads the broadcast's report every 2 s (while the tab is visible) until it is done. */
function follow(broadcastId, { now = false } = {}) {
  clearTimeout(reportTimer);
  followed = broadcastId;
  const tick = async () => {
    if (followed !== broadcastId) return;
    if (document.visibilityState === "visible") {
      try {
        const report = await api(`/api/broadcasts/${encodeURIComponent(broadcastId)}`, { token });
        if (followed !== broadcastId) return;
        showReport(report);
        if (finished(report)) {
          announce(`Broadcast ${broadcastId} is done: sent to ${count(report.sent)} of ${count(report.targeted)} shoppers.`);
          return;
        }
      } catch (e) {
        announce(e.message, true);
      }
    }
    reportTimer = setTimeout(tick, reportEverySeconds * 1000);
  };
  reportTimer = setTimeout(tick, now ? 0 : reportEverySeconds * 1000);
}

const statusText = { scheduled: "scheduled", sending: "sending", done: "done" };
const reasonText = {
  "opted-out": "Opted out", "frequency-cap": "Weekly cap reached", "wecom-daily-limit": "WeCom's daily limit", "not-a-member": "No longer a member",
};

function showReport(r) {
  const box = $("broadcast-report");
  box.hidden = false;
  box.dataset.broadcastId = r.broadcastId;
  box.dataset.status = r.status;
  const doneAt = r.doneAt ? ` at ${new Date(r.doneAt).toLocaleTimeString()}` : "";
  const stillSending = r.status === "done" && r.delivering > 0 ? `; ${count(r.delivering)} still with the channel` : "";
  const segment = segmentNames.has(r.segmentId) ? `${segmentNames.get(r.segmentId)} (${r.segmentId})` : `segment ${r.segmentId}`;
  $("report-status").textContent = `Broadcast ${r.broadcastId} to ${segment}: ${statusText[r.status] ?? r.status}${doneAt}${stillSending}.`;
  const figures = [
    ["targeted", "Targeted", count(r.targeted)], ["sent", "Sent", count(r.sent)], ["pending", "Pending", count(r.pending)],
    ["delivering", "With the channel", count(r.delivering)], ["opened", "Opened", count(r.opened)], ["converted", "Converted", count(r.converted)],
    ["open-rate", "Open rate", percent(r.openRate)], ["conversion-rate", "Conversion rate", percent(r.conversionRate)],
  ];
  $("report-kpis").replaceChildren(...figures.map(([key, label, value]) => el("div", { "data-kpi": key }, el("dt", {}, label), el("dd", {}, value))));
  reasons($("report-skipped"), r.skipped, "Nobody skipped.");
  reasons($("report-failed"), r.failed, "No failures.");
}

/** Reasons and how many, as chips (the skip reasons always, at 0 too: each rule is seen to have been applied). */
function reasons(list, byReason, none) {
  const entries = Object.entries(byReason ?? {});
  list.replaceChildren(...(entries.length
    ? entries.map(([reason, n]) => el("li", { "data-reason": reason }, `${reasonText[reason] ?? reason}: ${count(n)}`))
    : [el("li", { class: "empty" }, none)]));
}
