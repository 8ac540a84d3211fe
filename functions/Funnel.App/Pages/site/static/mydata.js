// The shopper landing's "Your data" card: stop the store's messages or receive them again (consent of every channel),
// download everything held about them as a JSON file, and erase it, after a second, explicit confirmation. Every call
// carries the session the shopper's scan answered; after the erasure the page forgets it.
import { api, announce, el, submitting } from "./common.js";

/** The consent text the card shows (recorded with each choice). */
export const privacyTextVersion = "privacy-v1";

const $ = id => document.getElementById(id);
let lead = null, forget = () => {};

/**
 * Shows the card for the lead the scan answered ({ leadId, session }); `erased` is called once their data is erased,
 * for the page to drop the lead and hide what showed it.
 */
export async function showMyData(current, erased) {
  lead = current;
  forget = erased;
  const consent = await api(leadPath("consent"), { session: lead.session });
  showConsent(consent.state);
  $("erase-confirm").hidden = true;
  $("erase-button").setAttribute("aria-expanded", "false");
  $("mydata").hidden = false;
}

const leadPath = tail => `/api/leads/${encodeURIComponent(lead.leadId)}${tail ? `/${tail}` : ""}`;

/** Receives messages: not opted out of everything, nor of a channel. */
const receives = state => !state.optedOut && state.channelsOptedOut.length === 0;

function showConsent(state) {
  const on = receives(state);
  $("consent-now").textContent = on
    ? "You receive the store's messages."
    : state.optedOut ? "You receive no messages from the store." : `You don't receive the store's ${state.channelsOptedOut.join(" or ")} messages.`;
  $("mydata").dataset.optedOut = String(state.optedOut);
  const button = $("consent-button");
  button.textContent = on ? "Stop messages" : "Receive messages again";
  button.dataset.choice = on ? "out" : "in";
}

const consentForm = $("consent-form");
consentForm.addEventListener("submit", async event => {
  event.preventDefault();
  if (!lead) return;
  const choice = $("consent-button").dataset.choice;
  await submitting(consentForm, async () => {
    const answer = await api(leadPath("consent"), {
      method: "PUT", session: lead.session, body: { choice, channel: "all", textVersion: privacyTextVersion, source: "shopper-page" },
    });
    showConsent(answer.state);
    return choice === "out" ? "Done: the store sends you no more messages." : "Done: you receive the store's messages again.";
  });
});

const downloadForm = $("download-form");
downloadForm.addEventListener("submit", async event => {
  event.preventDefault();
  if (!lead) return;
  await submitting(downloadForm, async () => {
    const exported = await api(leadPath("export"), { session: lead.session });
    save(new Blob([JSON.stringify(exported, null, 2)], { type: "application/json" }), `my-data-${lead.leadId.slice(0, 8)}.json`);
    return "Your data is downloaded as a JSON file.";
  });
});

/** Saves a blob as a file, through a link the page clicks (the file never leaves the browser). */
function save(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: fileName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// Erasing takes two presses: "Erase my data" shows what it means, and "Yes, erase it all" erases.
$("erase-form").addEventListener("submit", event => {
  event.preventDefault();
  $("erase-confirm").hidden = false;
  $("erase-button").setAttribute("aria-expanded", "true");
  $("erase-confirm-title").focus();
});

$("erase-cancel").addEventListener("click", () => {
  $("erase-confirm").hidden = true;
  $("erase-button").setAttribute("aria-expanded", "false");
  $("erase-button").focus();
  announce("Nothing was erased.");
});

const confirmForm = $("erase-confirm-form");
confirmForm.addEventListener("submit", async event => {
  event.preventDefault();
  if (!lead) return;
  await submitting(confirmForm, async () => {
    await api(leadPath(), { method: "DELETE", session: lead.session });
    lead = null;
    forget();
    $("mydata").hidden = true;
    $("erased").hidden = false;
    $("erased-title").focus();
    return "Your data is erased.";
  });
});
