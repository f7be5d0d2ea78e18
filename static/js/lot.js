// Lot page: live state over the websocket, countdown from server time, bidding via the JSON API.
const root = document.getElementById("lot");
const i18n = JSON.parse(document.getElementById("i18n").textContent);
const lotId = root.dataset.lotId;
const $ = (id) => document.getElementById(id);
const toFen = (yuan) => Math.round(parseFloat(yuan) * 100);
const toYuan = (fen) => (fen / 100).toFixed(2);
const display = (yuan) => "¥" + Number(yuan).toLocaleString("zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2});

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
  $("current-price").textContent = display(toYuan(started ? state.current : state.starting));
  if (state.status !== "sold") {
    $("price-label").textContent = started ? i18n.current_price : i18n.starting_price;
  }
  $("leader").textContent = state.leader || "—";
  $("bid-count").textContent = state.bidCount;
  const badge = $("status-badge");
  badge.textContent = i18n["status_" + state.status] || state.status;
  badge.className = "badge status-" + state.status;
  const min = $("min-next");
  if (min) min.textContent = display(toYuan(minNext()));
  const input = $("bid-amount");
  if (input && toFen(input.value || "0") < minNext()) input.value = toYuan(minNext());
  const form = $("bid-form");
  if (form) form.classList.toggle("disabled", state.status !== "live");
  if (state.myCode && state.leader === state.myCode) $("leader").textContent += ` (${i18n.you})`;
}

function addBid(bid, animate) {
  if (state.seen.has(bid.seq)) return;
  state.seen.add(bid.seq);
  const li = document.createElement("li");
  li.dataset.seq = bid.seq;
  const code = document.createElement("strong");
  code.className = "code";
  code.textContent = bid.bidder_code;
  const amount = document.createElement("span");
  amount.className = "amount";
  amount.textContent = display(bid.amount);
  const when = document.createElement("time");
  when.dateTime = bid.at;
  when.textContent = new Date(bid.at).toLocaleTimeString("zh-CN", {timeZone: "Asia/Shanghai", hour12: false});
  li.append(code, " ", amount, " ", when);
  if (bid.priority) {
    const tag = document.createElement("em");
    tag.textContent = " " + i18n.priority;
    li.append(tag);
  }
  if (animate) li.classList.add("flash");
  const list = $("bid-list");
  const items = [...list.children];
  const before = items.find((el) => Number(el.dataset.seq) < bid.seq);
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
      msg.bids.slice().reverse().forEach((b) => addBid(b, false));
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
  if (document.getElementById("result-link")) return;
  const link = document.createElement("a");
  link.className = "button";
  link.id = "result-link";
  link.href = `/lots/${lotId}/result`;
  link.textContent = i18n.result_title;
  document.querySelector(".live-panel").append(link);
}

function flash(el, note) {
  el.classList.remove("flash");
  void el.offsetWidth;
  el.classList.add("flash");
  el.title = note;
}

function fmt(ms) {
  if (ms < 0) ms = 0;
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const hh = String(Math.floor((s % 86400) / 3600)).padStart(2, "0");
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, "0");
  const ss = String(s % 60).padStart(2, "0");
  return (d ? `${d}${i18n.days} ` : "") + `${hh}:${mm}:${ss}`;
}

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
    label.textContent = i18n["status_" + state.status] || state.status;
    $("countdown").textContent = "";
    if (state.status === "sold") {
      $("price-label").textContent = i18n.final_price;
      $("leader-label").textContent = i18n.winner_code;
    }
  }
  $("countdown").dataset.endsAt = new Date(state.endsAt).toISOString();
}

let socket = null;
let retry = 0;
function connect() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${proto}//${location.host}/ws/lots/${lotId}`);
  socket.onopen = () => {
    retry = 0;
    document.body.classList.remove("offline");
    if (state.lastEventId) socket.send(JSON.stringify({type: "resume", last_event_id: state.lastEventId}));
  };
  socket.onmessage = (e) => onMessage(JSON.parse(e.data));
  socket.onclose = () => {
    document.body.classList.add("offline");
    setTimeout(connect, Math.min(10000, 500 * 2 ** retry++));
  };
}

async function placeBid(event) {
  event.preventDefault();
  const message = $("bid-message");
  const amount = $("bid-amount").value.replace(/[\s,，¥￥]/g, "");  // "6,903,000" as typed
  $("bid-submit").disabled = true;
  try {
    const res = await fetch(`/api/lots/${lotId}/bids`, {
      method: "POST", headers: {"Content-Type": "application/json"},
      credentials: "same-origin", body: JSON.stringify({amount}),
    });
    const body = await res.json();
    if (res.ok) {
      message.textContent = `${i18n.bid_ok}: ${display(body.bid.amount)}`;
      message.className = "message ok";
      addBid(body.bid, true);
      applyState(body.state);
      renderState();
    } else {
      const err = body.error || {};
      message.textContent = (i18n["err_" + err.code] || err.message) +
        (err.min_next ? ` (${display(err.min_next)})` : "");
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
