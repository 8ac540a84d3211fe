// The shopper landing at /s/{code}: identify (a stand-in for the messaging app's sign-in), get a group seat,
// see their points and share code, book a guided trial, ask a question, and their data: stop messages, download, erase
// (mydata.js). Every step is one call to the public API.
import { api, announce, count, el, markReady, sendJourneyEvent, submitting, when } from "./common.js";
import { showMyData } from "./mydata.js";

const code = document.body.dataset.code;
const timeZone = document.body.dataset.timeZone;
const randomId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`).replace(/[^a-zA-Z0-9-]/g, "").slice(0, 40);
let lead = null;

const identify = document.getElementById("identify");
// One scan id per page view: a double tap or a retry of the same visit is one scan, not two.
const scanId = `web-${randomId()}`;

identify.addEventListener("submit", async event => {
  event.preventDefault();
  const input = identify.elements.shopperId;
  const shopperId = input.value.trim();
  if (!shopperId) {
    input.setAttribute("aria-invalid", "true");
    announce("Enter your phone number or a nickname to join.", true);
    input.focus();
    return;
  }
  input.removeAttribute("aria-invalid");
  await submitting(identify, async () => {
    lead = await api("/api/scans", { method: "POST", body: { code, shopperId, scanId } });
    showWelcome(lead);
    await showPoints();
    await showMyData(lead, forgetLead);
    return "";
  });
});

function showWelcome(scan) {
  document.getElementById("join").hidden = true;
  document.getElementById("group-name").textContent = `${scan.group.groupId} (${scan.group.tier} group)`;
  const link = document.getElementById("join-link");
  if (scan.group.joinUrl) {
    link.href = scan.group.joinUrl;
  } else {
    document.getElementById("join-link-row").hidden = true;
    document.getElementById("join-fallback").hidden = false;
  }
  const slots = document.getElementById("slots");
  slots.replaceChildren(...scan.trialSlots.map((slot, i) =>
    el("label", { class: "choice" },
      el("input", { type: "radio", name: "slot", value: slot, checked: i === 0 }),
      ` ${when(slot, timeZone)}`)));
  for (const id of ["welcome", "trial", "ask"]) document.getElementById(id).hidden = false;
  document.getElementById("welcome-title").focus();
}

const book = document.getElementById("book");
book.addEventListener("submit", async event => {
  event.preventDefault();
  const slot = book.elements.slot?.value ?? book.querySelector("input[name=slot]:checked")?.value;
  if (!slot) {
    announce("Pick a time first.", true);
    return;
  }
  await submitting(book, async () => {
    // The event id makes a repeated tap the same booking.
    await journeyEvent({ type: "trial-booked", eventId: `book-${slot.replace(/[^0-9]/g, "")}`, data: { slot } });
    book.hidden = true;
    show("booked", `Booked: ${when(slot, timeZone)}. A clerk will be ready for you, and we'll send you a reminder.`);
    return "Your trial is booked.";
  });
});

const question = document.getElementById("question");
question.addEventListener("submit", async event => {
  event.preventDefault();
  await submitting(question, async () => {
    const questionId = `${question.elements.topic.value}-${randomId().slice(0, 8)}`;
    await journeyEvent({ type: "question-asked", eventId: `ask-${questionId}`, data: { questionId } });
    show("asked", "Thanks! A clerk will answer you in the group chat soon. Write your question there.");
    return "Your question was sent to the store's clerks.";
  });
});

/** The shopper's points (the latest entries) and their personal share code, with the session the scan answered. */
async function showPoints() {
  const path = `/api/leads/${encodeURIComponent(lead.leadId)}`;
  const [points, share] = await Promise.all([
    api(`${path}/points?limit=5`, { session: lead.session }),
    api(`${path}/share-code`, { method: "POST", session: lead.session })]);
  document.getElementById("points-balance").textContent = count(points.balance);
  document.getElementById("points-entries").replaceChildren(...points.entries.map(e =>
    el("li", {}, `${e.points > 0 ? "+" : ""}${count(e.points)} · ${e.reason}`)));
  const qr = document.getElementById("share-qr");
  qr.src = share.qrPngUrl;
  qr.alt = "QR code of your share link, for a friend to scan";
  document.getElementById("share-link").href = share.scanUrl;
  for (const id of ["points", "share"]) document.getElementById(id).hidden = false;
}

/** After the erasure: the page forgets the lead and its session, and hides all that showed them. */
function forgetLead() {
  lead = null;
  for (const id of ["welcome", "points", "share", "trial", "ask"]) document.getElementById(id).hidden = true;
}

/** A shopper's event on their journey at this store, sent with the session the scan answered. */
const journeyEvent = body => sendJourneyEvent(lead.leadId, lead.storeId, body, { session: lead.session });

function show(id, text) {
  const element = document.getElementById(id);
  element.textContent = text;
  element.hidden = false;
}

markReady();
