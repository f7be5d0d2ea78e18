// Lot page: live state over the websocket, countdown from server time, bidding via the JSON API.
import {idempotencyKey, requestJson} from "./lib/api.js";
import {$, el} from "./lib/dom.js";
import {countdown, money, timeOf, toFen, toYuan} from "./lib/format.js";
import {reconnectingSocket} from "./lib/socket.js";

const root = $("lot");
const i18n = JSON.parse($("i18n").textContent);
const lotId = root.dataset.lotId;

const state = {
  status: root.dataset.status,
  endsAt: Date.parse(root.dataset.endsAt),
  startsAt: Date.parse(root.dataset.startsAt),
  offset: Date.parse(root.dataset.serverTime) - Date.now(),
  increment: toFen(root.dataset.increment),
  starting: toFen(root.dataset.startingPrice),
  current: null, bidCount: 0, leader: null, lastEventId: null, seen: new Set(),
  myCode: root.dataset.myCode || null,
};
window.lotState = state;  // for tests and debugging

function streamKey(id) {
  if (!id) return [0, 0];
  const [ms, seq] = String(id).split("-");
  return [Number(ms), Number(seq || 0)];
}
function newer(a, b) {
  const [x, y] = [streamKey(a), streamKey(b)];
  return x[0] > y[0] || (x[0] === y[0] && x[1] > y[1]);
}

function minNext() {
  return state.bidCount ? state.current + state.increment : state.starting;
}

function renderState() {
  const started = state.current != null;
  $("current-price").textContent = money(toYuan(started ? state.current : state.starting));
  if (state.status !== "sold") {
    $("price-label").textContent = started ? i18n.current_price : i18n.starting_price;
  }
  $("leader").textContent = state.leader || "—";
  $("bid-count").textContent = state.bidCount;
  const badge = $("status-badge");
  badge.textContent = i18n[`status_${state.status}`] || state.status;
  badge.className = `badge status-${state.status}`;
  const min = $("min-next");
  if (min) min.textContent = money(toYuan(minNext()));
  const input = $("bid-amount");
  if (input && toFen(input.value || "0") < minNext()) input.value = toYuan(minNext());
  const form = $("bid-form");
  if (form) form.classList.toggle("disabled", state.status !== "live");
  if (state.myCode && state.leader === state.myCode) $("leader").textContent += ` (${i18n.you})`;
}

function addBid(bid, animate) {
  if (state.seen.has(bid.seq)) return;
  state.seen.add(bid.seq);
  const li = el("li", {dataset: {seq: bid.seq}},
    el("strong", {class: "code", text: bid.bidder_code}), " ",
    el("span", {class: "amount", text: money(bid.amount)}), " ",
    el("time", {dateTime: bid.at, text: timeOf(bid.at)}),
    bid.priority ? el("em", {text: ` ${i18n.priority}`}) : null);
  if (animate) li.classList.add("flash");
  const list = $("bid-list");
  const items = [...list.children];
  const before = items.find((item) => Number(item.dataset.seq) < bid.seq);
  list.insertBefore(li, before || null);
}

function applyState(s) {
  state.status = s.status || state.status;
  if (s.ends_at) state.endsAt = Date.parse(s.ends_at);
  if (s.current_price != null) state.current = toFen(s.current_price);
  if (s.leader_code !== undefined) state.leader = s.leader_code;
  if (s.bid_count != null) state.bidCount = s.bid_count;
}

function onMessage(msg) {
  if (msg.id && msg.type !== "snapshot" && (!state.lastEventId || newer(msg.id, state.lastEventId))) {
    state.lastEventId = msg.id;
  }
  switch (msg.type) {
    case "snapshot":
      if (msg.server_time) state.offset = Date.parse(msg.server_time) - Date.now();
      if (msg.state.starts_at) state.startsAt = Date.parse(msg.state.starts_at);
      applyState(msg.state);
      for (const b of msg.bids.slice().reverse()) addBid(b, false);
      if (!state.lastEventId || newer(msg.last_event_id, state.lastEventId)) state.lastEventId = msg.last_event_id;
      if (msg.viewers != null) $("viewers").textContent = msg.viewers;
      break;
    case "bid":
      addBid(msg.bid, true);
      applyState(msg.state);
      break;
    case "extended":
      state.endsAt = Date.parse(msg.ends_at);
      flash($("countdown"), i18n.extended);
      break;
    case "closed":
      state.status = msg.status;
      showResultLink();
      break;
    case "viewers":
      $("viewers").textContent = msg.count;
      break;
  }
  renderState();
  tick();
}

function showResultLink() {
  if ($("result-link")) return;
  document.querySelector(".live-panel").append(
    el("a", {class: "button", id: "result-link", href: `/lots/${lotId}/result`, text: i18n.result_title}));
}

function flash(node, note) {
  node.classList.remove("flash");
  void node.offsetWidth;  // restart the CSS animation
  node.classList.add("flash");
  node.title = note;
}

const fmt = (ms) => countdown(ms, i18n.days);

function tick() {
  const now = Date.now() + state.offset;
  if (state.status === "upcoming" && now >= state.startsAt) state.status = "live";
  const label = $("countdown-label");
  if (state.status === "live") {
    label.textContent = i18n.countdown_ends;
    $("countdown").textContent = fmt(state.endsAt - now);
  } else if (state.status === "upcoming") {
    label.textContent = i18n.countdown_starts;
    $("countdown").textContent = fmt(state.startsAt - now);
  } else {
    label.textContent = i18n[`status_${state.status}`] || state.status;
    $("countdown").textContent = "";
    if (state.status === "sold") {
      $("price-label").textContent = i18n.final_price;
      $("leader-label").textContent = i18n.winner_code;
    }
  }
  $("countdown").dataset.endsAt = new Date(state.endsAt).toISOString();
}

// On every reconnect the server sends a fresh snapshot; resuming from the last event seen
// replays the bids missed while the socket was down.
function connect() {
  reconnectingSocket(`/ws/lots/${lotId}`, {
    onMessage,
    onOpen: (socket) => {
      if (state.lastEventId) socket.send({type: "resume", last_event_id: state.lastEventId});
    },
  });
}

async function placeBid(event) {
  event.preventDefault();
  const message = $("bid-message");
  const amount = $("bid-amount").value.replace(/[\s,，¥￥]/g, "");  // "6,903,000" as typed
  $("bid-submit").disabled = true;
  try {
    const {ok, body} = await requestJson("POST", `/api/lots/${lotId}/bids`, {amount},
      {"Idempotency-Key": idempotencyKey()});  // one per attempt: a retry never bids twice
    if (ok) {
      message.textContent = `${i18n.bid_ok}: ${money(body.bid.amount)}`;
      message.className = "message ok";
      addBid(body.bid, true);
      applyState(body.state);
      renderState();
    } else {
      const err = body.error || {};
      message.textContent = (i18n[`err_${err.code}`] || err.message) +
        (err.min_next ? ` (${money(err.min_next)})` : "");
      message.className = "message error";
      if (err.min_next) $("bid-amount").value = err.min_next;
    }
  } finally {
    $("bid-submit").disabled = false;
  }
}

function step(direction) {
  const input = $("bid-amount");
  const value = toFen(input.value || "0") + direction * state.increment;
  input.value = toYuan(Math.max(minNext(), value));
}

if ($("bid-form")) {
  $("bid-form").addEventListener("submit", placeBid);
  $("bid-plus").addEventListener("click", () => step(1));
  $("bid-minus").addEventListener("click", () => step(-1));
}
renderState();
tick();
setInterval(tick, 250);
connect();
