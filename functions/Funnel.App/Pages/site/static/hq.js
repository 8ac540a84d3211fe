// The HQ console at /hq: leaderboard of stores and clerks by region, the chain-wide funnel, and campaigns
// (create, upload an asset, push, and the execution report with the stores to chase), the day-by-day trend, the
// KOC leaderboard and the points rules, and the audience: segments with a live count, broadcasts and their reports
// (segments.js).
import { api, announce, count, drawFunnel, el, every, fillTable, funnelSteps, kpis, markReady, money, percent } from "./common.js";
import { signIn } from "./signin.js";
import { drawTrend } from "./trend.js";
import { bindRulesForm, loadKocBoard, loadRules } from "./engagement.js";
import { bindAudience, loadAudience } from "./segments.js";

let token, campaignId = null;
const regions = new Set();
const $ = id => document.getElementById(id);

signIn({
  roles: ["hq"],
  check: async t => { await api("/api/campaigns", { token: t }); },
  start: async t => {
    token = t;
    $("who").textContent = "HQ";
    $("filters").addEventListener("change", () => loadLeaderboard().catch(e => announce(e.message, true)));
    $("campaign").addEventListener("change", () => { campaignId = $("campaign").value || null; loadExecution().catch(e => announce(e.message, true)); });
    $("create-campaign").addEventListener("submit", createCampaign);
    $("upload").addEventListener("submit", uploadAsset);
    $("push").addEventListener("submit", push);
    bindRulesForm($("rules"), $("rules-form"), token);
    bindAudience(token);
    await Promise.all([loadLeaderboard(), loadCampaigns(), loadRules($("rules"), $("rules-form"), token), loadAudience()]).catch(e => announce(e.message, true));
    await loadExecution().catch(e => announce(e.message, true));
    markReady();
    every(10, () => Promise.all([loadLeaderboard(), loadExecution()]));
  },
});

/** The chain's revenue, one amount per currency (never added across currencies). */
const revenueText = byCurrency => {
  const entries = Object.entries(byCurrency ?? {});
  return entries.length === 0 ? money(0) : entries.map(([currency, amount]) => money(amount, currency)).join(" · ");
};

async function loadLeaderboard() {
  const region = $("region").value;
  const query = new URLSearchParams({ days: $("days").value });
  if (region) query.set("region", region);
  const board = await api(`/api/leaderboard?${query}`, { token });
  const t = board.totals;
  drawFunnel($("funnel-chart"), funnelSteps(t));
  const currencies = Object.keys(t.revenue ?? {});
  drawTrend($("trend-chart"), board.daily, currencies.length === 1 ? currencies[0] : undefined);
  await loadKocBoard($("koc-board"), token, region);
  $("kpis").replaceChildren(...kpis(
    ["Stores", count(t.stores)], ["Revenue", revenueText(t.revenue)], ["Conversion", percent(t.conversionRate)],
    ["Service rate", percent(t.serviceRate)], ["Complaint rate", percent(t.complaintRate)]));
  fillTable($("stores"), board.stores.map(s => el("tr", {},
    el("td", {}, s.rank), el("th", { scope: "row" }, s.name, el("span", { class: "meta id" }, s.storeId)), el("td", {}, s.region),
    el("td", { class: "num" }, count(s.scans)), el("td", { class: "num" }, count(s.purchases)),
    el("td", { class: "num" }, money(s.revenue, s.currency)), el("td", { class: "num" }, percent(s.conversionRate)))), "No stores yet.");
  fillTable($("clerks"), board.clerks.slice(0, 20).map(c => el("tr", {},
    el("td", {}, c.rank), el("th", { scope: "row" }, `${c.clerkId} @ ${c.storeId}`),
    el("td", { class: "num" }, count(c.leads)), el("td", { class: "num" }, count(c.purchases)),
    el("td", { class: "num" }, money(c.revenue, c.currency)), el("td", { class: "num" }, percent(c.conversionRate)))), "No clerk has leads yet.");
  if (!region) {
    const before = regions.size;
    board.stores.forEach(s => regions.add(s.region));
    if (regions.size !== before) fillRegions();
  }
}

function fillRegions() {
  const sorted = [...regions].sort();
  for (const [select, all] of [[$("region"), "All regions"], [$("push-target"), "Every store"], [$("segment-scope"), "The whole chain"]]) {
    const chosen = select.value;
    select.replaceChildren(el("option", { value: "" }, all), ...sorted.map(r => el("option", { value: r }, select.id === "region" ? r : `Region ${r}`)));
    select.value = chosen;
  }
}

async function loadCampaigns(select) {
  const campaigns = await api("/api/campaigns", { token });
  const picker = $("campaign");
  picker.replaceChildren(...(campaigns.length
    ? campaigns.map(c => el("option", { value: c.campaignId }, `${c.name} (${c.campaignId})`))
    : [el("option", { value: "" }, "No campaigns yet")]));
  campaignId = select ?? campaignId ?? campaigns[0]?.campaignId ?? null;
  if (campaignId) picker.value = campaignId;
}

async function loadExecution() {
  if (!campaignId) return;
  let report;
  try {
    report = await api(`/api/campaigns/${encodeURIComponent(campaignId)}/execution`, { token });
  } catch (e) {
    if (e.status === 404) return;
    throw e;
  }
  $("execution-kpis").replaceChildren(...kpis(
    ["Targeted", count(report.targeted)], ["Downloaded", count(report.downloaded)],
    ["Posted", count(report.posted)], ["Execution rate", percent(report.executionRate)]));
  fillTable($("execution-regions"), report.byRegion.map(r => el("tr", {},
    el("th", { scope: "row" }, r.region), el("td", { class: "num" }, count(r.targeted)), el("td", { class: "num" }, count(r.downloaded)),
    el("td", { class: "num" }, count(r.posted)), el("td", { class: "num" }, percent(r.executionRate)))), "Not pushed yet.");
  const status = new Map(report.byStore.map(s => [s.storeId, s.status]));
  const chase = report.notExecuted.map(id => el("li", {}, `${id} · ${status.get(id) ?? "assigned"}`));
  $("chase").replaceChildren(...(chase.length ? chase : [el("li", { class: "empty" }, report.targeted ? "None: every store has posted, or it is too early to chase." : "–")]));
}

async function createCampaign(event) {
  event.preventDefault();
  const form = event.target;
  if (!form.reportValidity()) return;
  const startsAt = new Date();
  const endsAt = new Date(startsAt.getTime() + Number(form.elements.days.value) * 86400000);
  try {
    const created = await api("/api/campaigns", {
      method: "POST", token,
      body: { campaignId: form.elements.campaignId.value.trim(), name: form.elements.name.value.trim(), startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() },
    });
    await loadCampaigns(created.campaignId);
    await loadExecution();
    announce(`Campaign ${created.name} created. Upload an asset next.`);
    form.reset();
  } catch (e) {
    announce(e.message, true);
  }
}

async function uploadAsset(event) {
  event.preventDefault();
  const file = event.target.elements.file.files[0];
  if (!campaignId) return announce("Create or pick a campaign first.", true);
  if (!file) return announce("Choose a file to upload.", true);
  try {
    const query = new URLSearchParams({ name: file.name, contentType: file.type || "application/octet-stream" });
    const asset = await api(`/api/campaigns/${encodeURIComponent(campaignId)}/assets?${query}`, {
      method: "POST", token, raw: file, contentType: file.type || "application/octet-stream",
    });
    announce(`${file.name} uploaded (${count(asset.size)} bytes)${asset.duplicate ? ", the same file as before" : ""}. Push it to stores next.`);
  } catch (e) {
    announce(e.message, true);
  }
}

async function push(event) {
  event.preventDefault();
  if (!campaignId) return announce("Create or pick a campaign first.", true);
  const region = event.target.elements.target.value;
  try {
    const pushed = await api(`/api/campaigns/${encodeURIComponent(campaignId)}/push`, { method: "POST", token, body: region ? { region } : { all: true } });
    announce(`Pushed to ${count(pushed.targeted)} stores.`);
    await loadExecution();
  } catch (e) {
    announce(e.message, true);
  }
}
