// The engagement cards of the staff pages: the KOCs' monthly scorecards, the KOC candidates with a promote action
// (clerk dashboard), the chain's KOC leaderboard and HQ's points rules (HQ console).
import { api, announce, count, el, fillTable, money, percent, submitting } from "./common.js";

const shortId = leadId => leadId.slice(0, 8);

/** A store's KOCs this month (store and clerk tokens: their own store). */
export async function loadStoreKocs(tbody, storeId, token, currency) {
  const board = await api(`/api/kocs?storeId=${encodeURIComponent(storeId)}`, { token });
  fillTable(tbody, board.kocs.map(k => el("tr", {},
    el("th", { scope: "row" }, shortId(k.leadId)),
    el("td", { class: "num" }, `${count(k.served)} / ${count(k.quota)}`),
    el("td", { class: "num" }, count(k.recruited)),
    el("td", { class: "num" }, `${count(k.conversions)} (${percent(k.conversionRate)})`),
    el("td", { class: "num" }, money(k.revenue, currency)),
    el("td", { class: "num" }, percent(k.serviceRate)),
    el("td", { class: "num" }, percent(k.complaintRate)),
    el("td", { class: "num" }, count(k.pointsEarned)))), `No KOCs yet in ${board.month}: promote a candidate below.`);
}

/** The store's shoppers most worth promoting, each with a Promote button (a quota of `quota` users). */
export async function loadCandidates(tbody, storeId, token, { clerkId, quota = 200, promoted }) {
  const answer = await api(`/api/stores/${encodeURIComponent(storeId)}/koc-candidates?limit=10`, { token });
  fillTable(tbody, answer.candidates.map(c => el("tr", {},
    el("th", { scope: "row" }, shortId(c.leadId)),
    el("td", { class: "num" }, count(c.sharesRecruited)),
    el("td", { class: "num" }, count(c.trialsCompleted)),
    el("td", { class: "num" }, count(c.pointsEarned)),
    el("td", { class: "actions" }, el("button", {
      type: "button",
      onclick: async () => {
        try {
          await api(`/api/stores/${encodeURIComponent(storeId)}/kocs/${c.leadId}`, { method: "PUT", token, body: { quota, clerkId: clerkId ?? undefined } });
          announce(`Shopper ${shortId(c.leadId)} is now a KOC, serving up to ${count(quota)} users.`);
          await promoted();
        } catch (e) {
          announce(e.message, true);
        }
      },
    }, `Promote ${shortId(c.leadId)}`)))), "No candidates yet: shoppers who share, try and buy show up here.");
}

/** The chain's KOCs this month, best first (optionally of one region). */
export async function loadKocBoard(tbody, token, region) {
  const query = new URLSearchParams();
  if (region) query.set("region", region);
  const board = await api(`/api/kocs?${query}`, { token });
  fillTable(tbody, board.kocs.slice(0, 20).map((k, i) => el("tr", {},
    el("td", {}, i + 1),
    el("th", { scope: "row" }, `${shortId(k.leadId)} @ ${k.storeId}`),
    el("td", {}, k.region),
    el("td", { class: "num" }, count(k.recruited)),
    el("td", { class: "num" }, count(k.conversions)),
    el("td", { class: "num" }, percent(k.conversionRate)),
    el("td", { class: "num" }, `${count(k.served)} / ${count(k.quota)}`))), `No KOCs in ${board.month} yet.`);
}

const ruleFields = [
  ["joining", "Joining"], ["trialCompleted", "Completed trial"], ["shareRecruited", "Share that recruits"],
  ["perUnitAmount", "Per unit of purchase"], ["referralDailyCap", "Recruiting shares paid a day"], ["expireAfterDays", "Points expire after (days, 0: never)"],
];

/** HQ's points rules: the ones in effect, and the form that saves a new version (in effect 30 s later). */
export async function loadRules(list, form, token) {
  const rules = await api("/api/programme/points", { token });
  const now = rules.inEffect, latest = rules.versions[0];
  list.replaceChildren(...ruleFields.map(([key, label]) => el("div", {}, el("dt", {}, label), el("dd", {}, now ? String(now[key]) : "–"))));
  // The form shows the latest version saved; one not in effect yet is announced with its time.
  for (const [key] of ruleFields) if (latest && form.elements[key] && !form.dataset.touched) form.elements[key].value = latest[key];
  const next = document.getElementById("rules-next");
  const pending = latest && (!now || latest.effectiveFrom !== now.effectiveFrom);
  next.hidden = !pending;
  next.textContent = pending ? `The rules in the form take effect at ${new Date(latest.effectiveFrom).toLocaleString()}; the figures above are in effect now.` : "";
}

export function bindRulesForm(list, form, token) {
  form.addEventListener("input", () => { form.dataset.touched = "true"; });
  form.addEventListener("submit", async event => {
    event.preventDefault();
    await submitting(form, async () => {
      const body = Object.fromEntries(ruleFields.map(([key]) => [key, Number(form.elements[key].value || 0)]));
      const saved = await api("/api/programme/points", { method: "PUT", token, body });
      delete form.dataset.touched;
      await loadRules(list, form, token);
      const from = saved.versions[0]?.effectiveFrom;
      return `Points rules saved: in effect from ${from ? new Date(from).toLocaleTimeString() : "shortly"}.`;
    });
  });
}
