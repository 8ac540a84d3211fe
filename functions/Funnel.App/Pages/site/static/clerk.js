// The clerk dashboard at /clerk: my funnel (chart), my follow-ups with one-click actions, my store's groups, my QR
// code for the till, the campaign assets to download and mark posted, the store's KOCs and the candidates to promote,
// and a shopper's card (tags, consent; audience.js). A store manager's token sees the store.
import { api, announce, count, drawFunnel, el, every, fillTable, funnelSteps, kpis, markReady, money, percent, sendJourneyEvent, when } from "./common.js";
import { signIn } from "./signin.js";
import { drawTrend } from "./trend.js";
import { loadCandidates, loadStoreKocs } from "./engagement.js";
import { bindShopperCard, openLead } from "./audience.js";

let token, storeId, clerkId, store, days = 7;

signIn({
  roles: ["clerk", "store"],
  check: async (t, who) => { store = await api(`/api/stores/${encodeURIComponent(who.storeId)}`, { token: t }); },
  start: async (t, who) => {
    token = t;
    storeId = who.storeId;
    clerkId = who.roles.includes("clerk") ? who.clerkId : null;
    document.getElementById("who").textContent = clerkId ? `${store.name} · clerk ${clerkId}` : `${store.name} · store manager`;
    document.getElementById("title").textContent = clerkId ? "My funnel" : `${store.name}: the store's funnel`;
    document.querySelectorAll(".segmented button").forEach(b => b.addEventListener("click", () => {
      days = Number(b.dataset.days);
      document.querySelectorAll(".segmented button").forEach(o => o.setAttribute("aria-pressed", String(o === b)));
      loadFunnel().catch(e => announce(e.message, true));
    }));
    bindShopperCard(token, store.timeZone);
    await Promise.all([loadFunnel(), loadTasks(), loadGroups(), loadQr(), loadAssets(), loadKocs()]).catch(e => announce(e.message, true));
    markReady();
    every(10, () => Promise.all([loadFunnel(), loadTasks(), loadGroups(), loadAssets(), loadKocs()]));
  },
});

const storePath = () => `/api/stores/${encodeURIComponent(storeId)}`;

async function loadFunnel() {
  const funnel = await api(`${storePath()}/funnel?days=${days}`, { token });
  const mine = clerkId ? funnel.byClerk.find(c => c.clerkId === clerkId) ?? {} : funnel;
  drawFunnel(document.getElementById("funnel-chart"), funnelSteps(mine));
  document.getElementById("kpis").replaceChildren(...kpis(
    ["Revenue", money(mine.revenue, funnel.currency)],
    ["Conversion", percent(mine.conversionRate)],
    ["Service rate", percent(clerkId ? mine.serviceRate : funnel.serviceRate)],
    ["Complaint rate", percent(clerkId ? mine.complaintRate : funnel.complaintRate)],
    ["New leads", count(mine.leads)]));
  // A clerk without a row yet has an empty trend over the same days.
  const daily = clerkId ? (mine.daily ?? funnel.daily.map(d => ({ day: d.day, revenue: 0 }))) : funnel.daily;
  drawTrend(document.getElementById("trend-chart"), daily, funnel.currency);
}

async function loadKocs() {
  await Promise.all([
    loadStoreKocs(document.getElementById("kocs"), storeId, token, store.currency),
    loadCandidates(document.getElementById("candidates"), storeId, token, { clerkId, promoted: loadKocs }),
  ]);
}

const taskText = {
  "trial-follow-up": "Invite to a guided trial",
  "trial-no-show": "Trial time passed: did it happen?",
  "answer-question": "Question waiting for an answer",
  escalation: "Question past its deadline",
};

async function loadTasks() {
  const query = clerkId ? `?clerkId=${encodeURIComponent(clerkId)}` : "";
  const list = await api(`${storePath()}/tasks${query}`, { token });
  const items = list.tasks.map(task => {
    const actions = [];
    if (task.kind === "trial-follow-up" || task.kind === "trial-no-show") {
      actions.push(el("button", { type: "button", onclick: () => act(task, "trial-completed") }, "Mark trial completed"));
    } else if (task.ref) {
      actions.push(el("button", { type: "button", onclick: () => act(task, "question-answered", { questionId: task.ref }) }, "Mark answered"));
    }
    return el("li", { class: task.overdue ? "overdue" : "" },
      el("div", {},
        el("strong", {}, taskText[task.kind] ?? task.kind),
        el("span", { class: "meta" }, " · ",
          el("button", { type: "button", class: "link", title: "Open in the Shopper card", onclick: () => openLead(task.leadId, { focus: true }) }, `shopper ${task.leadId.slice(0, 8)}`),
          ` · due ${when(task.dueAt, store.timeZone)}`),
        task.overdue ? el("span", { class: "badge" }, "Overdue") : null),
      el("div", { class: "actions" }, actions));
  });
  document.getElementById("tasks").replaceChildren(...(items.length ? items : [el("li", { class: "empty" }, "Nothing due. Nice work.")]));
}

async function act(task, type, data) {
  try {
    await sendJourneyEvent(task.leadId, storeId, { type, eventId: `${type}-${task.taskId}`.slice(0, 64), data }, { token });
    announce(type === "trial-completed" ? "Trial marked completed." : "Question marked answered.");
    await Promise.all([loadTasks(), loadFunnel()]);
  } catch (e) {
    announce(e.message, true);
  }
}

async function loadGroups() {
  const groups = await api(`${storePath()}/groups`, { token });
  fillTable(document.getElementById("groups"), groups.map(g => el("tr", {},
    el("td", {}, g.groupId),
    el("td", {}, g.tier),
    el("td", {},
      el("meter", { min: 0, max: g.capacity, value: g.members, "aria-label": `${g.groupId}: ${g.members} of ${g.capacity}` }),
      ` ${count(g.members)} / ${count(g.capacity)}`),
    el("td", {}, g.status))), "No groups yet: the first scan opens one.");
}

async function loadQr() {
  const created = await api(`${storePath()}/codes`, { method: "POST", token, body: { channel: "till", clerkId: clerkId ?? undefined } });
  const img = document.getElementById("qr");
  img.src = created.qrPngUrl;
  img.alt = `QR code that opens ${clerkId ? "your" : "the store's"} landing page`;
  document.getElementById("scan-url").href = created.scanUrl;
}

async function loadAssets() {
  const assets = await api(`${storePath()}/assets`, { token });
  fillTable(document.getElementById("assets"), assets.map(a => el("tr", {},
    el("td", {}, a.name),
    el("td", {}, a.campaignId),
    el("td", {}, el("span", { class: `badge status-${a.status}` }, a.status)),
    el("td", { class: "actions" },
      // A new tab, so this page stays and the "downloaded" ack is not cut off by the navigation.
      el("a", { href: a.downloadUrl, class: "button quiet", target: "_blank", rel: "noopener", onclick: () => ack(a, "downloaded") }, `Download ${a.name}`),
      a.status === "posted" ? null : el("button", { type: "button", onclick: () => ack(a, "posted") }, `Mark ${a.name} posted`)))),
  "No campaign assets right now.");
}

async function ack(asset, action) {
  try {
    await api(`${storePath()}/assets/${encodeURIComponent(asset.assetId)}/ack`, { method: "POST", token, body: { action, clerkId: clerkId ?? undefined } });
    if (action === "posted") announce(`${asset.name} marked posted.`);
    await loadAssets();
  } catch (e) {
    announce(e.message, true);
  }
}
