// Lot page: a live state machine. The status (upcoming -> live -> sold | failed | cancelled)
// follows server time (the offset to the server's clock, never the client's own) and the lot
// websocket; it is mirrored on #lot[data-lot-status]. A gap in the bids' seq, a silent socket,
// a close that does not arrive, or the tab becoming visible again (a laptop waking) re-reads
// the lot and its bids from the REST API. Bids are sent only after the confirmation dialog.
import {getJson, idempotencyKey, requestJson} from "./lib/api.js";
import {bindAmountInput, groupedYuan, plainAmount, readFen} from "./lib/amount-input.js";
import {confirmBid, fill} from "./lib/bid-confirm.js";
import {$, el} from "./lib/dom.js";
import {countdown, money, timeOf, toFen, toYuan} from "./lib/format.js";
import {followMyOutcome, showOutcome, updateFees} from "./lib/lot-outcome.js";
import {reconnectingSocket} from "./lib/socket.js";

const root = $("lot");
const i18n = JSON.parse($("i18n").textContent);
const lotId = root.dataset.lotId;
const OPEN = ["upcoming", "live"];
const PING_MS = 15000;
const STALE_MS = 40000;  // no frame (not even a pong) for this long: re-read over REST
const CLOSE_GRACE_MS = 2500;  // past the end with no "closed": re-read over REST
const RESYNC_EVERY_MS = 3000;

const state = {
  status: root.dataset.lotStatus,
  endsAt: Date.parse(root.dataset.endsAt),
  startsAt: Date.parse(root.dataset.startsAt),
  offset: Date.parse(root.dataset.serverTime) - Date.now(),
  increment: toFen(root.dataset.increment),
  starting: toFen(root.dataset.startingPrice),
  // the state the server rendered the page from, until the socket's snapshot or the first poll
  current: root.dataset.currentPrice ? toFen(root.dataset.currentPrice) : null,
  bidCount: Number(root.dataset.bidCount) || 0, leader: root.dataset.leader || null,
  lastEventId: null, seen: new Set(),
  myCode: root.dataset.myCode || null, outbid: false, busy: false, lastSeq: null,
  lastFrameAt: Date.now(), lastResyncAt: 0, outcomeFollowed: false, resyncs: 0,
};
window.lotState = state;  // for tests and debugging

const serverNow = () => Date.now() + state.offset;
const setServerTime = (iso) => { if (iso) state.offset = Date.parse(iso) - Date.now(); };
const minNext = () => state.bidCount ? state.current + state.increment : state.starting;
const priceNow = () => state.current ?? state.starting;

function setText(id, text) {
  const node = $(id);
  if (node && node.textContent !== text) node.textContent = text;
}

// "0 人在看" is never true of the person reading it (anonymous watchers poll and are not counted)
function setViewers(count) {
  setText("viewers", String(count));
  $("viewers-box").hidden = !(count > 0);
}

function renderPanel() {
  const closed = !OPEN.includes(state.status);
  root.dataset.lotStatus = state.status;
  const badge = $("status-badge");
  setText("status-badge", i18n[`status_${state.status}`] || state.status);
  badge.className = `badge status-${state.status}`;
  setText("current-price", money(toYuan(priceNow())));
  setText("price-label", state.status === "sold" ? i18n.final_price
    : state.current != null ? i18n.current_price : i18n.starting_price);
  setText("leader-label", state.status === "sold" ? i18n.winner_code : i18n.leader);
  const mine = state.myCode && state.leader === state.myCode ? ` (${i18n.you})` : "";
  setText("leader", (state.leader || "—") + mine);
  setText("bid-count", String(state.bidCount));
  $("leader-line").hidden = state.bidCount === 0;  // no "领先: —" before the first bid
  $("no-bids").hidden = state.bidCount > 0 || $("bid-list").children.length > 0;
  if ($("lot-actions")) $("lot-actions").hidden = closed;
  const reminder = $("reminder-form");
  if (reminder && closed) reminder.hidden = true;
  updateFees(priceNow());
  if (closed) showOutcome(state, i18n, lotId);
}

function renderForm() {
  const form = $("bid-form");
  if (!form) return;
  const live = state.status === "live";
  form.classList.toggle("disabled", !live);
  $("bid-submit").disabled = !live || state.busy;
  for (const b of form.querySelectorAll("[data-steps]")) b.disabled = !live || state.busy;
  setText("min-next", money(toYuan(minNext())));
  const input = $("bid-amount");
  const typed = readFen(input.value);
  if (document.activeElement !== input && (typed == null || typed < minNext())) {
    input.value = groupedYuan(minNext());
  }
  $("leading-note").hidden = !(live && state.myCode && state.leader === state.myCode);
  const alert = $("outbid-alert");
  alert.hidden = !(live && state.outbid);
  if (!alert.hidden) {
    setText("outbid-text", fill(i18n.outbid, {price: money(toYuan(state.current))}));
    setText("rebid", fill(i18n.rebid, {price: money(toYuan(minNext()))}));
  }
  if (!OPEN.includes(state.status)) setMessage("", "");  // no 出价成功 on a closed lot
}

function render() {
  renderPanel();
  renderForm();
}

function setMessage(text, kind) {
  const message = $("bid-message");
  if (!message) return;
  message.textContent = text;
  message.className = kind ? `message ${kind}` : "message";
}

function addBid(bid, animate) {
  if (state.seen.has(bid.seq)) return;
  state.seen.add(bid.seq);
  state.lastSeq = Math.max(state.lastSeq ?? 0, bid.seq);
  const li = el("li", {dataset: {seq: bid.seq}},
    el("strong", {class: "code", text: bid.bidder_code}), " ",
    el("span", {class: "amount", text: money(bid.amount)}), " ",
    el("time", {dateTime: bid.at, text: timeOf(bid.at)}),
    bid.priority ? el("em", {text: ` ${i18n.priority}`}) : null);
  if (animate) li.classList.add("flash");
  const list = $("bid-list");
  const before = [...list.children].find((item) => Number(item.dataset.seq) < bid.seq);
  list.insertBefore(li, before || null);
}

// A state from the socket or the API; notices the moment this bidder loses the lead.
function applyState(s) {
  const led = state.myCode && state.leader === state.myCode;
  if (s.status) state.status = s.status;
  if (s.starts_at) state.startsAt = Date.parse(s.starts_at);
  if (s.ends_at) state.endsAt = Date.parse(s.ends_at);
  if (s.current_price != null) state.current = toFen(s.current_price);
  if (s.leader_code !== undefined) state.leader = s.leader_code;
  if (s.bid_count != null) state.bidCount = s.bid_count;
  if (state.myCode && state.leader === state.myCode) state.outbid = false;
  else if (led && state.leader) {
    state.outbid = true;
    setMessage("", "");  // the 出价成功 of the lost lead no longer holds
    setTimeout(() => document.dispatchEvent(new Event("notifications:changed")), 1500);
  }
}

function onSnapshot(msg) {
  setServerTime(msg.server_time);
  state.lastSeq = state.lastSeq ?? 0;
  applyState(msg.state);
  for (const b of msg.bids.slice().reverse()) addBid(b, false);
  const mine = msg.bids.some((b) => b.bidder_code === state.myCode);
  if (state.status === "live" && mine && state.leader !== state.myCode) state.outbid = true;
  if (!state.lastEventId || newer(msg.last_event_id, state.lastEventId)) {
    state.lastEventId = msg.last_event_id;
  }
  if (msg.viewers != null) setViewers(msg.viewers);
}

function onBid(msg) {
  if (state.lastSeq != null && msg.bid.seq > state.lastSeq + 1) {  // a bid went missing
    resync(true);
    return;
  }
  addBid(msg.bid, true);
  if (msg.state.bid_count >= state.bidCount) applyState(msg.state);  // not a replayed older one
}

function onMessage(msg) {
  state.lastFrameAt = Date.now();
  if (msg.id && msg.type !== "snapshot" && (!state.lastEventId || newer(msg.id, state.lastEventId))) {
    state.lastEventId = msg.id;
  }
  if (msg.type === "snapshot") onSnapshot(msg);
  else if (msg.type === "bid") onBid(msg);
  else if (msg.type === "extended") {
    state.endsAt = Date.parse(msg.ends_at);
    flash($("countdown"), i18n.extended);
  } else if (msg.type === "closed") {
    state.status = msg.status;
    if (msg.final_price) state.current = toFen(msg.final_price);
    if (msg.winner_code) state.leader = msg.winner_code;
  } else if (msg.type === "viewers") setViewers(msg.count);
  else if (msg.type === "pong" && msg.server_time) setServerTime(msg.server_time);
  afterChange();
}

function afterChange() {
  render();
  tick();
  if (!OPEN.includes(state.status) && !state.outcomeFollowed && root.dataset.registered) {
    state.outcomeFollowed = true;
    followMyOutcome(lotId, i18n);
  }
}

// Re-read the state (with the server's time) and the bids over REST. force: even if one ran
// within the last few seconds (a seq gap must always be repaired).
async function resync(force = false) {
  if (!force && Date.now() - state.lastResyncAt < RESYNC_EVERY_MS) return;
  state.lastResyncAt = Date.now();
  state.lastFrameAt = Date.now();  // a silent socket is re-read once per STALE_MS, not in a loop
  state.resyncs++;
  const [lot, bids] = await Promise.all([getJson(`/api/lots/${lotId}`),
    getJson(`/api/lots/${lotId}/bids`)]).catch(() => [{ok: false}, {ok: false}]);
  if (!lot.ok || !bids.ok) return;
  setServerTime(lot.body.state.server_time);
  for (const b of bids.body.slice(-50)) addBid(b, false);
  applyState(lot.body.state);
  afterChange();
}

function streamKey(id) {
  if (!id) return [0, 0];
  const [ms, seq] = String(id).split("-");
  return [Number(ms), Number(seq || 0)];
}
function newer(a, b) {
  const [x, y] = [streamKey(a), streamKey(b)];
  return x[0] > y[0] || (x[0] === y[0] && x[1] > y[1]);
}

function flash(node, note) {
  node.classList.remove("flash");
  void node.offsetWidth;  // restart the CSS animation
  node.classList.add("flash");
  node.title = note;
}

// Every 250 ms: the countdown, and the transitions that time alone makes (upcoming -> live at
// starts_at by the server's clock); past the end, or with a silent socket, ask the server.
function tick() {
  const now = serverNow();
  if (state.status === "upcoming" && now >= state.startsAt) {
    state.status = "live";
    render();
  }
  const live = state.status === "live";
  if (live) {
    setText("countdown-label", now < state.endsAt ? i18n.countdown_ends : i18n.closing);
    setText("countdown", countdown(state.endsAt - now, i18n.days));
    if (now > state.endsAt + CLOSE_GRACE_MS) resync();
  } else if (state.status === "upcoming") {
    setText("countdown-label", i18n.countdown_starts);
    setText("countdown", countdown(state.startsAt - now, i18n.days));
  }
  $("countdown-label").hidden = !OPEN.includes(state.status);  // the badge says it
  $("countdown").hidden = !OPEN.includes(state.status);
  $("countdown").dataset.endsAt = new Date(state.endsAt).toISOString();
  if (OPEN.includes(state.status) && Date.now() - state.lastFrameAt > STALE_MS) resync();
}

const POLL_MS = 2000;

// Anonymous watchers poll the lot's cacheable state (a CDN can answer it) instead of holding
// a websocket; each answer has the snapshot's shape and goes through the same handler.
async function pollState() {
  try {
    const response = await fetch(`/api/lots/${lotId}/state`);
    if (response.ok) onMessage({...(await response.json()), type: "snapshot"});
  } catch {
    // offline or the server restarts: the next round tries again
  }
  if (OPEN.includes(state.status)) setTimeout(pollState, POLL_MS);
}

// On every reconnect the server sends a fresh snapshot; resuming from the last event seen
// replays the bids missed while the socket was down.
function connect() {
  if (root.dataset.watch === "poll") {
    pollState();  // at once: the bid record is filled from the answer
    return;
  }
  const socket = reconnectingSocket(`/ws/lots/${lotId}`, {
    onMessage,
    onOpen: (s) => {
      state.lastFrameAt = Date.now();
      if (state.lastEventId) s.send({type: "resume", last_event_id: state.lastEventId});
    },
  });
  setInterval(() => socket.send({type: "ping", t: Date.now()}), PING_MS);
}

async function placeBid(event) {
  event.preventDefault();
  if (state.status !== "live" || state.busy) return;
  const fen = readFen($("bid-amount").value);
  if (fen == null) return setMessage(i18n.err_invalid_amount, "error");
  if (fen < minNext()) return setMessage(`${i18n.err_below_minimum} (${money(toYuan(minNext()))})`, "error");
  if ((fen - state.starting) % state.increment) return setMessage(i18n.err_off_increment, "error");
  const confirmed = await confirmBid({fen, current: state.current, starting: state.starting,
    minNext: minNext(), increment: state.increment}, i18n);
  if (confirmed) await sendBid(plainAmount(toYuan(fen)));
}

async function sendBid(amount) {
  state.busy = true;
  renderForm();
  try {
    const {ok, body} = await requestJson("POST", `/api/lots/${lotId}/bids`, {amount},
      {"Idempotency-Key": idempotencyKey()});  // one per attempt: a retry never bids twice
    if (ok) {
      addBid(body.bid, true);
      applyState(body.state);
      state.outbid = false;
      render();
      setMessage(`${i18n.bid_ok}: ${money(body.bid.amount)}`, "ok");
    } else {
      const err = body.error || {};
      setMessage((i18n[`err_${err.code}`] || err.message) +
        (err.min_next ? ` (${money(err.min_next)})` : ""), "error");
    }
  } finally {
    state.busy = false;
    renderForm();
  }
}

function setAmount(fen) {
  $("bid-amount").value = groupedYuan(Math.max(minNext(), fen));
}

function bindForm() {
  const form = $("bid-form");
  if (!form) return;
  bindAmountInput($("bid-amount"));
  form.addEventListener("submit", placeBid);
  $("bid-plus").addEventListener("click", () =>
    setAmount((readFen($("bid-amount").value) ?? 0) + state.increment));
  $("bid-minus").addEventListener("click", () =>
    setAmount((readFen($("bid-amount").value) ?? 0) - state.increment));
  for (const b of form.querySelectorAll("[data-steps]")) {
    b.addEventListener("click", () => {  // one tap: n increments above the price, confirmed
      setAmount(minNext() + (Number(b.dataset.steps) - 1) * state.increment);
      form.requestSubmit();
    });
  }
  $("rebid").addEventListener("click", () => {
    setAmount(minNext());
    form.requestSubmit();
  });
}

bindForm();
render();
tick();
setInterval(tick, 250);
document.addEventListener("visibilitychange", () => { if (!document.hidden) resync(true); });
window.addEventListener("pageshow", (e) => { if (e.persisted) resync(true); });
connect();
