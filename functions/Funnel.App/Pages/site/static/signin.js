// Signing in to the staff pages. Locally: a pasted token (./run.sh token …), or one handed over in the URL fragment.
// When the app is configured for Microsoft Entra ID (Auth:Authority and Auth:PagesClientId), also "Sign in with
// Microsoft": MSAL for the browser (npm @azure/msal-browser, served by this app from /static/vendor, never a CDN) signs
// in with a redirect and gets an access token for this API. Either way the app says who the token is (/api/me): its
// roles, and its store and clerk, from the token's claims or from HQ's staff assignment.
import { api, markReady } from "./common.js";

const TokenKey = "funnel.token";

/** Claims of a JWT (display only: the server checks the signature on every call). */
function claimsOf(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(Array.from(atob(part), c => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""));
    return JSON.parse(json);
  } catch {
    return null;
  }
}

/**
 * The page's token: one handed over in the URL fragment (#token=…, never sent to the server) wins and is moved to
 * sessionStorage, so it leaves the address bar and the history; otherwise the one kept for this tab.
 */
function currentToken() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(TokenKey, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(TokenKey);
}

/** Forgets this tab's sign-in (the pasted token and MSAL's session cache) and shows the sign-in form again. */
function signOut() {
  sessionStorage.clear();
  location.reload();
}

/** The Entra settings the server put on <body>, or null when this app signs in with pasted tokens only. */
function entraSettings() {
  const d = document.body.dataset;
  return d.entraClientId ? { clientId: d.entraClientId, authority: d.entraAuthority, scope: d.entraScope } : null;
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement("script"), { src });
    script.onload = resolve;
    script.onerror = () => reject(new Error(`${src} could not be loaded.`));
    document.head.append(script);
  });
}

let msalClient = null;

/** MSAL for this page: the tab's session storage, and the redirect back to this very page. */
async function entraClient(settings) {
  if (!msalClient) {
    await loadScript("/static/vendor/msal-browser.min.js");
    msalClient = new window.msal.PublicClientApplication({
      auth: { clientId: settings.clientId, authority: settings.authority, redirectUri: location.origin + location.pathname },
      cache: { cacheLocation: "sessionStorage" },
    });
    await msalClient.initialize();
  }
  return msalClient;
}

/** An access token for this API from the Entra account signed in on this tab; null when the person must sign in. */
async function entraToken(settings) {
  const client = await entraClient(settings);
  const returned = await client.handleRedirectPromise();
  if (returned?.accessToken) return returned.accessToken;
  const account = client.getAllAccounts()[0];
  if (!account) return null;
  try {
    return (await client.acquireTokenSilent({ scopes: [settings.scope], account })).accessToken;
  } catch (e) {
    if (e instanceof window.msal.InteractionRequiredAuthError) return null;
    throw e;
  }
}

/**
 * Shows the sign-in form until a token with one of `roles` is given, then calls `start(token, who)`, where `who` is
 * what the app made of it (roles, storeId, clerkId). `check(token, who)` confirms the token can do the page's work
 * (a refusal shows the form again with the reason). With Entra, the page reloads shortly before the token expires,
 * and MSAL gets the next one silently.
 */
export function signIn({ roles, check, start }) {
  const form = document.getElementById("sign-in");
  const app = document.getElementById("app");
  const error = document.getElementById("sign-in-error");
  const entra = entraSettings();
  const showForm = problem => {
    error.textContent = problem ?? "";
    form.hidden = false;
    markReady();
  };
  const tryToken = async token => {
    const claims = token && claimsOf(token);
    if (!claims) return "That is not a token. Paste the whole token (three parts separated by dots).";
    if (claims.exp && claims.exp * 1000 < Date.now()) return "This token has expired. Get a new one.";
    let who;
    try {
      who = await api("/api/me", { token });
    } catch (e) {
      return e.message;
    }
    if (!who.roles.some(r => roles.includes(r))) return `This page needs a ${roles.join(" or ")} token; this one is for ${who.roles.join(", ") || "no Funnel role"}.`;
    if (!who.roles.includes("hq") && !who.storeId) return "You are signed in, but not assigned to a store yet. Ask HQ to add you to your store's staff.";
    try {
      await check(token, who);
    } catch (e) {
      return e.message;
    }
    sessionStorage.setItem(TokenKey, token);
    form.hidden = true;
    app.hidden = false;
    document.getElementById("sign-out")?.addEventListener("click", signOut);
    if (entra && claims.exp) setTimeout(() => location.reload(), Math.max(60_000, claims.exp * 1000 - Date.now() - 5 * 60_000));
    await start(token, who);
    return null;
  };
  form.addEventListener("submit", async event => {
    event.preventDefault();
    const problem = await tryToken(form.elements.token.value.trim());
    if (problem) {
      error.textContent = problem;
      form.elements.token.setAttribute("aria-invalid", "true");
      form.elements.token.focus();
    }
  });
  if (entra) {
    document.getElementById("entra").hidden = false;
    document.getElementById("entra-sign-in").addEventListener("click", async () => {
      try {
        await (await entraClient(entra)).loginRedirect({ scopes: [entra.scope] });
      } catch (e) {
        error.textContent = `Microsoft sign-in did not start: ${e.message}`;
      }
    });
  }
  (async () => {
    let token = currentToken();
    if (!token && entra) {
      try {
        token = await entraToken(entra);
      } catch (e) {
        return showForm(`Microsoft sign-in failed: ${e.message}`);
      }
    }
    if (!token) return showForm();
    const problem = await tryToken(token);
    if (problem) {
      sessionStorage.removeItem(TokenKey);
      showForm(problem);
    }
  })();
}
