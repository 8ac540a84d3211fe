// The clerk dashboard's Shopper card: open a shopper by their lead id (or from a follow-up), see their tags at the
// store with when and who, add and remove manual tags, see their consent to messages with its history, and record an
// opt-out the shopper asked for. Tags with ':' (channel:till, did:purchase…) are the system's: shown, never removed here.
import { api, announce, el, fillTable, submitting, when } from "./common.js";

const leadPattern = /^[0-9a-f]{32}$/;
const manualTag = /^[a-z0-9][a-z0-9-]{0,39}$/;
const $ = id => document.getElementById(id);
let token, timeZone, leadId = null;

/** Wires the card; `zone` is the store's time zone (times are shown in it). */
export function bindShopperCard(t, zone) {
  token = t;
  timeZone = zone;
  $("open-lead").addEventListener("submit", event => {
    event.preventDefault();
    openLead($("lead-id").value);
  });
  $("add-tag").addEventListener("submit", addTag);
  $("opt-out").addEventListener("submit", recordOptOut);
}

/** Opens a shopper in the card: their tags and consent. `focus`: move the focus to the card (from a follow-up). */
export async function openLead(id, { focus = false } = {}) {
  const input = $("lead-id");
  const value = id.trim().toLowerCase();
  input.value = value;
  if (!leadPattern.test(value)) {
    invalid(input, "A shopper's lead id is 32 characters: digits and the letters a to f.");
    return;
  }
  input.removeAttribute("aria-invalid");
  leadId = null;
  $("lead-panel").hidden = true;
  await submitting($("open-lead"), async () => {
    const path = `/api/leads/${value}`;
    const [tags, consent] = await Promise.all([api(`${path}/tags`, { token }), api(`${path}/consent`, { token })]);
    leadId = value;
    $("lead-title").textContent = `Shopper ${short(value)}`;
    showTags(tags);
    showConsent(consent);
    $("lead-panel").hidden = false;
    $("lead-panel").dataset.leadId = value;
    if (focus) $("lead-title").focus();
    return `Shopper ${short(value)} opened: ${tags.tags.length} tags, ${consent.state.optedOut ? "opted out of messages" : "receives messages"}.`;
  });
}

const short = id => id.slice(0, 8);

function invalid(input, message) {
  input.setAttribute("aria-invalid", "true");
  announce(message, true);
  input.focus();
}

function showTags(answer) {
  fillTable($("lead-tags"), answer.tags.map(t => el("tr", { "data-tag": t.tag },
    el("th", { scope: "row" }, t.tag),
    el("td", {}, t.at ? when(t.at, timeZone) : "–"),
    el("td", {}, t.by || "–"),
    el("td", { class: "actions" }, manualTag.test(t.tag)
      ? el("button", { type: "button", class: "quiet", onclick: () => removeTag(t.tag) }, `Remove ${t.tag}`)
      : el("span", { class: "meta" }, "Set by the system")))),
  "No tags yet.");
}

async function addTag(event) {
  event.preventDefault();
  const form = event.target;
  const input = form.elements.tag;
  const tag = input.value.trim();
  if (!manualTag.test(tag)) {
    invalid(input, "A tag is 1 to 40 characters: lowercase letters, digits and '-', starting with a letter or a digit.");
    return;
  }
  input.removeAttribute("aria-invalid");
  const lead = leadId;
  await submitting(form, async () => {
    const answer = await api(`/api/leads/${lead}/tags/${encodeURIComponent(tag)}`, { method: "PUT", token });
    if (lead !== leadId) return undefined;
    showTags(answer);
    form.reset();
    return `Tag ${tag} added to shopper ${short(lead)}.`;
  });
}

async function removeTag(tag) {
  const lead = leadId;
  await submitting($("add-tag"), async () => {
    const answer = await api(`/api/leads/${lead}/tags/${encodeURIComponent(tag)}`, { method: "DELETE", token });
    if (lead !== leadId) return undefined;
    showTags(answer);
    $("new-tag").focus(); // the button that had the focus is gone
    return `Tag ${tag} removed from shopper ${short(lead)}.`;
  });
}

const channelText = channel => ({ all: "all messages", wecom: "WeCom messages", web: "web messages" })[channel] ?? `${channel} messages`;

/** Who made a choice, in words: "staff:clerk:c1", "page:shopper-page", "join". */
const viaText = via => {
  if (!via || via === "join") return "by joining";
  if (via.startsWith("staff:")) return `recorded by ${via.slice("staff:".length)}`;
  if (via.startsWith("page:")) return `on ${via.slice("page:".length)}`;
  return `via ${via}`;
};

function showConsent(consent) {
  const s = consent.state;
  const line = $("consent-state");
  line.dataset.optedOut = String(s.optedOut);
  line.textContent = s.optedOut
    ? `Opted out of all messages${s.since ? ` since ${when(s.since, timeZone)}` : ""} (${viaText(s.via)}).`
    : s.channelsOptedOut.length
      ? `Receives messages, but not ${s.channelsOptedOut.map(channelText).join(" or ")}.`
      : `Receives messages (agreed ${viaText(s.via)}).`;
  const history = consent.history.map(h => el("li", {},
    el("strong", {}, h.choice === "out" ? "Opted out" : "Opted in"),
    ` of ${channelText(h.channel)} · ${when(h.at, timeZone)} · ${viaText(h.via)}${h.textVersion ? ` · text ${h.textVersion}` : ""}`));
  $("consent-history").replaceChildren(...(history.length ? history : [el("li", { class: "empty" }, "None: agreed by joining.")]));
  $("opt-out").hidden = s.optedOut;
}

async function recordOptOut(event) {
  event.preventDefault();
  const lead = leadId;
  if (!lead) return;
  await submitting(event.target, async () => {
    const answer = await api(`/api/leads/${lead}/consent`, { method: "PUT", token, body: { choice: "out", channel: "all", source: "clerk-page" } });
    if (lead !== leadId) return undefined;
    showConsent(answer);
    $("consent-state").setAttribute("tabindex", "-1");
    $("consent-state").focus(); // the button is gone
    return `Opt-out recorded: shopper ${short(lead)} gets no more messages.`;
  });
}
