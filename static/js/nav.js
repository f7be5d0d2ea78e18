// The navigation's unread-notification count: read from /api/me/notifications/unread on load,
// every 30 s while the page is visible, when it becomes visible again, and when a page script
// says something happened (document event "notifications:changed", e.g. the lot page on an
// outbid). Only a number ever goes into the page.
import {getJson} from "./lib/api.js";
import {$} from "./lib/dom.js";

const POLL_MS = 30000;
const badge = $("nav-unread");

function show(count) {
  const n = Number.isSafeInteger(count) && count > 0 ? count : 0;
  badge.hidden = n === 0;
  badge.textContent = n > 99 ? "99+" : String(n);
  badge.dataset.count = String(n);
  const link = $("nav-notifications");
  if (n) link.setAttribute("aria-label", badge.dataset.label.replace("{n}", String(n)));
  else link.removeAttribute("aria-label");
}

async function refresh() {
  const {ok, body} = await getJson("/api/me/notifications/unread").catch(() => ({ok: false}));
  if (ok) show(body.unread);
}

if (badge) {
  refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, POLL_MS);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  document.addEventListener("notifications:changed", refresh);
}
