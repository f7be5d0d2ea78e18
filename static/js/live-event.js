// Event page: the on-air venue large, all venues as a grid with live lot prices, chat and Q&A.
// Logged-in viewers use the event websocket; anonymous viewers read the small cacheable room
// state (/api/events/{id}/state, CDN-friendly) every 2 s and send a heartbeat every 20 s.
// After the event the recordings replay, cutting between venues along the on-air timeline
// (matched on each recording's program date time).
// On phones nothing plays until the viewer asks: the player shows the venue's poster and a
// play button, and hls.js loads on that tap (a live stream costs a phone's data and battery;
// a desktop starts the on-air venue muted at once, which is what the page is for).
import {api, getJson} from "./lib/api.js";
import {$, el} from "./lib/dom.js";
import {money} from "./lib/format.js";
import {appendItem, connectRoom, freshViewerId, messageItem, play, removeItem,
        renderList, stop} from "./live-common.js";

const data = JSON.parse($("event-data").textContent);
const i18n = data.i18n;
const video = $("main-video");
const startButton = $("player-start");
const PHONE = window.matchMedia("(max-width: 760px)");
const venues = Object.fromEntries(data.venue_info.map((v) => [v.id, v]));
const state = {onAir: data.on_air, source: null, showing: null, following: true,
               status: data.status, messages: 0, connected: false, lastState: null,
               started: !PHONE.matches};
window.eventState = state;  // for tests and debugging
let viewer = data.viewer;  // signed by the server (heartbeats count no other id)
let room = null;

function lotOf(venueId) { return data.lots[String(venues[venueId].lot_id)] || {}; }

function label(venueId) {
  const v = venues[venueId];
  if (!v) return;
  $("now-venue").textContent = v.name;
  // the venue's lot photo stands in for the picture until the video plays
  const poster = lotOf(venueId).photos?.[0];
  if (poster) video.setAttribute("poster", poster);
  else video.removeAttribute("poster");
  $("now-lot").textContent = lotOf(venueId).title || "";
  showPrice(venueId, $("now-price-label"), $("now-price"));
  $("now-bid").href = `/lots/${v.lot_id}`;
}

// Price and its label: the current price once bid on, else the starting price (起拍价).
function priceOf(venueId) {
  const current = venues[venueId].lot?.current_price;
  const start = lotOf(venueId).starting_price;
  if (current || !start) return {label: i18n.current_price, text: money(current)};
  return {label: i18n.starting_price, text: money(start)};
}

function showPrice(venueId, labelCell, cell, flash = false) {
  const {label: text, ...p} = priceOf(venueId);
  if (labelCell) labelCell.textContent = text;
  if (cell && cell.textContent !== p.text) {
    cell.textContent = p.text;
    if (flash) cell.classList.add("flash");
  }
}

function note(text) {
  $("player-note").textContent = text || "";
  $("player-note").hidden = !text;
}

// Play now, or on phones until the viewer taps play: show the venue's poster and keep what
// to play for the tap.
let pending = null;
function playOrWait(url, options) {
  if (state.started) {
    pending = null;
    return play(video, url, options);
  }
  stop(video);
  pending = () => play(video, url, options);
  startButton.hidden = false;
  note("");
  return null;
}

function start() {
  state.started = true;
  startButton.hidden = true;
  const run = pending;
  pending = null;
  if (run) run();
}

startButton.addEventListener("click", () => {
  if (state.source && !state.showing) note(state.status === "ended" ? "" : i18n.waiting);
  start();
});

// -- live ------------------------------------------------------------------------------------
function show(venueId, {follow} = {}) {
  if (!venues[venueId]) return;
  if (follow !== undefined) state.following = follow;
  $("follow-row").hidden = state.following || state.status === "ended";
  $("now-label").textContent = state.following ? i18n.on_screen : i18n.you_chose;
  if (state.source === venueId) return;
  state.source = venueId;
  state.showing = null;
  note(i18n.waiting);
  playOrWait(venues[venueId].playback_url);
  label(venueId);
  if (room) room.send({type: "watch", venue_id: venueId});
  else heartbeat();
}

video.addEventListener("playing", () => { state.showing = state.source; note(""); });

function setOnAir(venueId) {
  state.onAir = venueId;
  for (const card of document.querySelectorAll(".venue-card")) {
    card.classList.toggle("on-air", Number(card.dataset.venueId) === venueId);
  }
  if (state.following && venueId) show(venueId);
}

function setPrice(venueId, lot) {
  const v = venues[venueId];
  if (!v) return;
  v.lot = {...v.lot, ...lot};
  showPrice(venueId, $(`price-label-${venueId}`), $(`price-${venueId}`), true);
  if (state.source === venueId) showPrice(venueId, $("now-price-label"), $("now-price"));
}

function setViewers(total, perVenue) {
  $("viewers-total").textContent = total;
  for (const [id, n] of Object.entries(perVenue || {})) {
    const cell = $(`viewers-${id}`);
    if (cell) cell.textContent = n;
  }
}

function announcementItem(a) {
  return el("p", {class: "announcement", "data-id": a.id}, el("span", {text: a.text}));
}

function setSettings(s) {
  $("slow-note").hidden = !s.slow_mode;
  $("slow-note").textContent = s.slow_mode ? i18n.slow_mode.replace("{n}", s.slow_mode) : "";
}

const chatList = $("chat-list");
const questionList = $("question-list");
const item = (m) => messageItem(m, i18n);

function handle(m) {
  switch (m.type) {
    case "snapshot":
      state.connected = true;
      renderList(chatList, m.messages, item);
      renderList(questionList, m.questions, item);
      $("announcements").replaceChildren(...m.announcements.map(announcementItem));
      for (const v of m.event.venues) setPrice(v.id, v.lot);
      setViewers(m.viewers.total, m.viewers.venues);
      setSettings(m.settings);
      setOnAir(m.event.on_air_venue_id);
      if (m.event.status === "ended" && state.status !== "ended") location.reload();
      break;
    case "on_air": setOnAir(m.venue_id); break;
    case "chat": appendItem(chatList, item(m.message)); state.messages++; break;
    case "question": appendItem(questionList, item(m.question)); break;
    case "chat_deleted": removeItem(m.id); break;
    case "announcement":
      if (m.action === "pin" && !document.querySelector(`#announcements [data-id="${CSS.escape(m.announcement.id)}"]`)) {
        $("announcements").prepend(announcementItem(m.announcement));
      }
      else removeItem(m.id);
      break;
    case "viewers": setViewers(m.total, m.venues); break;
    case "price": setPrice(m.venue_id, m); break;
    case "settings": setSettings(m); break;
    case "status": if (m.status === "ended") location.reload(); break;
    case "question_received": say(i18n.held); break;
    case "error": refused(m); break;
  }
}

// A refused message (rate limit, slow mode, mute, too long) goes back into the input, so the
// viewer can send it again instead of typing it twice.
let lastSent = "";
function refused(m) {
  say(i18n[m.code] || m.message, true);
  const input = $("chat-text");
  if (input && lastSent && !input.value) input.value = lastSent;
  lastSent = "";
}

function say(text, error = false) {
  const box = $("chat-message");
  if (!box) return;
  box.textContent = text;
  box.classList.toggle("error", error);
}

// Anonymous viewers: the cacheable room state instead of a socket.
async function poll() {
  try {
    const r = await getJson(`/api/events/${data.id}/state`);
    if (r.ok) applyState(r.body);
  } catch { /* network hiccup: next round */ }
  setTimeout(poll, 2000);
}

function applyState(s) {
  state.lastState = s;
  renderList(chatList, s.messages, item);
  renderList(questionList, s.questions, item);
  $("announcements").replaceChildren(...s.announcements.map(announcementItem));
  const counts = {};
  for (const v of s.venues) { setPrice(v.id, v.lot); counts[v.id] = v.viewers; }
  setViewers(s.viewers_total, counts);
  setSettings(s.settings);
  if (s.on_air_venue_id !== state.onAir) setOnAir(s.on_air_venue_id);
  if (s.status === "ended" && state.status !== "ended") location.reload();
}

async function heartbeat(retry = true) {
  if (room || state.status === "ended" || !state.source) return;
  try {
    await api("POST", `/api/events/${data.id}/heartbeat`, {viewer, venue_id: state.source});
    state.counted = true;
  } catch (e) {  // an expired id: beat again at once with a fresh one
    if (e.code !== "bad_viewer" || !retry) return;
    const fresh = await freshViewerId(data.id).catch(() => null);
    if (fresh) {
      viewer = fresh;
      await heartbeat(false);
    }
  }
}

// -- replay ----------------------------------------------------------------------------------
const timeline = data.timeline.map((e) => ({at: Date.parse(e.at), venue: e.venue_id, edge: e.edge || {}}));
let replayIndex = -1;
let pendingSeek = null;

const clockOf = (entry, venueId) => entry.edge[String(venueId)] ?? entry.at;

function seekTo(details, ms) {
  const frags = details.fragments.filter((f) => f.programDateTime);
  if (!frags.length) return;
  const frag = frags.find((f) => f.programDateTime + f.duration * 1000 > ms) || frags[frags.length - 1];
  video.currentTime = Math.max(0, frag.start + (ms - frag.programDateTime) / 1000);
}

function replayFrom(index) {
  replayIndex = index;
  const entry = timeline[index];
  const v = venues[entry.venue];
  state.source = entry.venue;
  label(entry.venue);
  setOnAir(entry.venue);
  for (const b of document.querySelectorAll("#timeline button")) {
    b.classList.toggle("current", Number(b.dataset.index) === index);
  }
  if (!v.recording_url) { note(i18n.no_recording); return; }
  note("");
  pendingSeek = clockOf(entry, entry.venue);
  playOrWait(v.recording_url, {onLevel: (_hls, details) => {
    if (pendingSeek != null) { seekTo(details, pendingSeek); pendingSeek = null; }
  }});
}

video.addEventListener("timeupdate", () => {
  if (state.status !== "ended" || replayIndex < 0 || replayIndex + 1 >= timeline.length) return;
  const date = video._hls?.playingDate;
  if (date && date.getTime() >= clockOf(timeline[replayIndex + 1], state.source)) replayFrom(replayIndex + 1);
});

// -- wiring ----------------------------------------------------------------------------------
document.addEventListener("click", (e) => {
  const watch = e.target.closest("[data-watch]");
  if (watch) {
    const id = Number(watch.dataset.watch);
    if (!state.started) start();  // choosing a venue is asking to watch it
    if (state.status === "ended") {
      const index = timeline.findIndex((t) => t.venue === id);
      if (index >= 0) replayFrom(index);
      else if (venues[id].recording_url) { state.source = id; label(id); playOrWait(venues[id].recording_url); }
      else note(i18n.no_recording);
    } else show(id, {follow: id === state.onAir});
    $("main-video").scrollIntoView({behavior: "smooth", block: "nearest"});
  }
  const step = e.target.closest("#timeline [data-index]");
  if (step) replayFrom(Number(step.dataset.index));
  const tab = e.target.closest("[data-tab]");
  if (tab) {
    for (const t of document.querySelectorAll("[data-tab]")) {
      t.classList.toggle("active", t === tab);
      t.setAttribute("aria-selected", String(t === tab));
    }
    for (const p of document.querySelectorAll("[data-panel]")) p.hidden = p.dataset.panel !== tab.dataset.tab;
  }
});
$("follow-on-air").addEventListener("click", () => { state.following = true; show(state.onAir, {follow: true}); });

const form = $("chat-form");
if (form) {
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("chat-text");
    const text = input.value.trim();
    if (!text) return;
    room.send({type: $("chat-kind").value, text});
    lastSent = text;
    input.value = "";
    say("");
  });
}

if (state.status === "ended") {
  if (timeline.length) replayFrom(0);
  else {
    const first = data.venue_info.find((v) => v.recording_url);
    if (first) { state.source = first.id; label(first.id); playOrWait(first.recording_url); }
    else note(i18n.no_recording);
  }
} else {
  const start = state.onAir || data.venues[0];
  if (state.onAir) setOnAir(state.onAir);
  else show(start, {follow: true});
  if (data.socket) room = window.eventRoom = connectRoom(data.id, handle, {viewer});
  else { poll(); setInterval(heartbeat, 20000); }
}
