// Host control page: previews of every venue, on-air buttons, pinned announcements, moderation.
import {api} from "./lib/api.js";
import {$, el} from "./lib/dom.js";
import {money} from "./lib/format.js";
import {appendItem, connectRoom, messageItem, play, removeItem, renderList} from "./live-common.js";

const data = JSON.parse($("host-data").textContent);
const i18n = data.i18n;
const base = `/api/events/${data.id}`;
const host = {onAir: data.on_air, held: 0, messages: 0};
window.hostState = host;  // for tests and debugging

function say(text, error = false) {
  $("host-message").textContent = text;
  $("host-message").classList.toggle("error", error);
}

async function act(method, url, body) {
  try { return await api(method, url, body); } catch (e) { say(e.message, true); throw e; }
}

// Each preview says 等待推流 until its venue's stream plays, and again if the signal is lost.
for (const video of document.querySelectorAll("video[data-src]")) {
  const waiting = video.parentElement.querySelector(".no-signal");
  const showWaiting = (on) => { if (waiting) waiting.hidden = !on; };
  video.addEventListener("playing", () => showWaiting(false));
  play(video, video.dataset.src, {onFatal: () => showWaiting(true)});
}

function setOnAir(venueId) {
  host.onAir = venueId;
  for (const card of document.querySelectorAll(".venue-card")) {
    const on = Number(card.dataset.venueId) === venueId;
    card.classList.toggle("on-air", on);
    card.querySelector("[data-on-air]").disabled = on;
  }
}
setOnAir(host.onAir);

function chatTools(m) {
  const box = el("span", {class: "tools"});
  const del = el("button", {type: "button", class: "tiny", text: i18n.delete, "data-delete": m.id});
  const mute = el("button", {type: "button", class: "tiny secondary", text: i18n.mute, "data-mute": m.name});
  box.append(del, mute);
  return box;
}

function heldItem(q) {
  const li = messageItem(q, i18n);
  li.append(el("span", {class: "tools"},
    el("button", {type: "button", class: "tiny", text: i18n.approve, "data-approve": q.id}),
    el("button", {type: "button", class: "tiny secondary", text: i18n.reject, "data-delete": q.id})));
  return li;
}

function mutedItem(name) {
  return el("li", {"data-id": `muted-${name}`}, el("span", {text: name}), " ",
            el("button", {type: "button", class: "tiny secondary", text: i18n.unmute, "data-unmute": name}));
}

function pinnedItem(a) {
  return el("li", {"data-id": a.id}, el("span", {class: "pinned", text: a.text}), " ",
            el("button", {type: "button", class: "tiny secondary", text: i18n.unpin, "data-unpin": a.id}));
}

function settings(s) {
  $("slow-mode").value = String(s.slow_mode);
  $("hold-questions").checked = s.hold_questions;
}

const chatList = $("chat-list");
function handle(m) {
  switch (m.type) {
    case "snapshot":
      renderList(chatList, [...m.messages, ...m.questions].sort((a, b) => a.at.localeCompare(b.at)),
                 (x) => messageItem(x, i18n, chatTools));
      renderList($("held-list"), m.held || [], heldItem);
      renderList($("muted-list"), m.muted || [], mutedItem);
      renderList($("pinned-list"), m.announcements, pinnedItem);
      settings(m.settings);
      setOnAir(m.event.on_air_venue_id);
      $("viewers-total").textContent = m.viewers.total;
      break;
    case "on_air": setOnAir(m.venue_id); break;
    case "chat": appendItem(chatList, messageItem(m.message, i18n, chatTools)); host.messages++; break;
    case "question": appendItem(chatList, messageItem(m.question, i18n, chatTools)); break;
    case "chat_deleted": removeItem(m.id); break;
    case "question_held": appendItem($("held-list"), heldItem(m.question)); host.held++; break;
    case "question_approved": case "question_rejected": removeItem(m.id); break;
    case "muted": appendItem($("muted-list"), mutedItem(m.username)); break;
    case "unmuted": removeItem(`muted-${m.username}`); break;
    case "announcement":
      if (m.action === "pin") $("pinned-list").prepend(pinnedItem(m.announcement));
      else removeItem(m.id);
      break;
    case "settings": settings(m); break;
    case "viewers":
      $("viewers-total").textContent = m.total;
      for (const [id, n] of Object.entries(m.venues)) { const c = $(`viewers-${id}`); if (c) c.textContent = n; }
      break;
    case "price": { const c = $(`price-${m.venue_id}`); if (c) c.textContent = money(m.current_price); break; }
    case "status": if (m.status === "ended") location.reload(); break;
  }
}
connectRoom(data.id, handle);

document.addEventListener("click", async (e) => {
  const t = e.target;
  if (t.dataset.onAir) {
    await act("POST", `${base}/on-air`, {venue_id: Number(t.dataset.onAir)});
    setOnAir(Number(t.dataset.onAir));
  } else if (t.dataset.delete) {
    await act("DELETE", `${base}/messages/${encodeURIComponent(t.dataset.delete)}`);
    removeItem(t.dataset.delete);
  } else if (t.dataset.mute) {
    await act("POST", `${base}/mutes`, {username: t.dataset.mute});
  } else if (t.dataset.unmute) {
    await act("DELETE", `${base}/mutes/${encodeURIComponent(t.dataset.unmute)}`);
  } else if (t.dataset.approve) {
    await act("POST", `${base}/questions/${encodeURIComponent(t.dataset.approve)}/approve`, {});
  } else if (t.dataset.unpin) {
    await act("DELETE", `${base}/announcements/${encodeURIComponent(t.dataset.unpin)}`);
  } else if (t.id === "end-event" && confirm(i18n.confirm_end)) {
    await act("POST", `${base}/end`, {});
    location.reload();
  }
});

$("announce-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const input = $("announce-text");
  if (!input.value.trim()) return;
  await act("POST", `${base}/announcements`, {text: input.value});
  input.value = "";
});
$("slow-mode").addEventListener("change", async (e) => {
  await act("PATCH", `${base}/settings`, {slow_mode: Number(e.target.value)});
  say(i18n.saved);
});
$("hold-questions").addEventListener("change", async (e) => {
  await act("PATCH", `${base}/settings`, {hold_questions: e.target.checked});
  say(i18n.saved);
});
