// Shared by the event page and the host page: HLS players, the event websocket, and the
// chat/question lists (user text always through textContent, never innerHTML).
import {getJson} from "./lib/api.js";
import {el} from "./lib/dom.js";
import {timeOf} from "./lib/format.js";
import {reconnectingSocket} from "./lib/socket.js";

// Play an HLS URL in a <video>: hls.js where Media Source Extensions exist (tested first),
// else the browser's own HLS (Safari, iOS). A stream that has not started yet (no signal, event
// still upcoming) is retried with backoff: 3 s, 6 s, 12 s … at most every 30 s, so a silent
// venue does not fill the console with 404s; a parsed playlist resets the backoff.
// hls.js (about 600 kB of script) is imported on the first play, not with the page: a phone
// that shows the venue's poster and is never tapped never downloads or runs it.
const RETRY_MS = 3000;
const RETRY_MAX_MS = 30000;
let hlsModule = null;

export function loadHls() {
  hlsModule ??= import("hls.js").then((m) => m.default);
  return hlsModule;
}

// Resolves to the Hls instance (null for native HLS or no URL); a later play() or stop() on
// the same element wins over one still waiting for hls.js.
export async function play(video, url, options = {}) {
  stop(video);
  if (!url) return null;
  const token = {};
  video._playToken = token;
  const Hls = await loadHls();
  if (video._playToken !== token) return null;
  return attach(Hls, video, url, options);
}

function attach(Hls, video, url, {onFatal, onLevel, attempt = 0} = {}) {
  if (Hls.isSupported()) {
    const hls = new Hls({liveSyncDurationCount: 3, maxBufferLength: 20, backBufferLength: 30});
    video._hls = hls;
    let tries = attempt;
    hls.on(Hls.Events.MANIFEST_PARSED, () => { tries = 0; video.play().catch(() => {}); });
    if (onLevel) hls.on(Hls.Events.LEVEL_LOADED, (_e, data) => onLevel(hls, data.details));
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (!data.fatal) return;
      if (onFatal) onFatal(data);
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); return; }
      const wait = Math.min(RETRY_MS * 2 ** tries, RETRY_MAX_MS) * (0.9 + Math.random() * 0.2);
      video._retry = setTimeout(() => {
        if (video._hls === hls) {
          stop(video);
          attach(Hls, video, url, {onFatal, onLevel, attempt: tries + 1});
        }
      }, wait);
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    return hls;
  }
  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = url;
    video.play().catch(() => {});
  }
  return null;
}

export function stop(video) {
  video._playToken = null;
  clearTimeout(video._retry);
  if (video._hls) { video._hls.destroy(); video._hls = null; }
}

// The event websocket: calls handle(message) for every event (batches unpacked); reconnects
// unless the event does not exist (4404), and when no frame came for STALE_MS (the server
// sends a heartbeat every 10 s). Gap-free: public events carry `seq`, officers' `mseq`
// (1, 2, 3 … per channel; the snapshot carries the last of each). An event already covered
// is skipped; a jump, or a heartbeat whose `seq` we still lack at the next heartbeat, means
// an event was lost: ask for a fresh snapshot ({"type": "resync"}), again at each heartbeat
// until it comes. Returns {send(message), close(), reconnects, seqs, resyncs}.
const STALE_MS = 35000;

export function connectRoom(eventId, handle, {viewer, staleMs = STALE_MS} = {}) {
  const query = viewer ? `?viewer=${encodeURIComponent(viewer)}` : "";
  const seqs = {seq: null, mseq: null};
  let waiting = false;  // a resync was asked for; no snapshot yet
  let behind = null;  // a heartbeat's seq beyond ours, to be caught up by the next one
  function resync() {
    waiting = true;
    room.resyncs++;
    room.send({type: "resync"});
  }
  function fresh(m) {
    if (m.type === "snapshot") {
      seqs.seq = m.seq ?? null;
      seqs.mseq = m.mseq ?? null;
      waiting = false;
      behind = null;
      return true;
    }
    if (m.type === "heartbeat") {
      if (waiting || (behind !== null && seqs.seq !== null && seqs.seq < behind)) resync();
      else behind = m.seq != null && seqs.seq !== null && m.seq > seqs.seq ? m.seq : null;
      return false;
    }
    for (const field of ["seq", "mseq"]) {
      const n = m[field];
      if (typeof n !== "number" || seqs[field] === null) continue;
      if (n <= seqs[field]) return false;  // already in the snapshot, or a duplicate
      if (n > seqs[field] + 1) resync();
      seqs[field] = n;
    }
    return true;
  }
  const room = reconnectingSocket(`/ws/events/${eventId}${query}`, {
    stopCodes: [4404],
    staleMs,
    onMessage: (message) => {
      for (const m of message.type === "batch" ? message.events : [message]) {
        if (fresh(m)) handle(m);
      }
    },
  });
  room.seqs = seqs;
  room.resyncs = 0;
  return room;
}

// Viewer counts take only viewer ids the server signed: the page brings one; when the server
// refuses it (403 bad_viewer: expired), a fresh one comes from the never-cached endpoint.
export async function freshViewerId(eventId) {
  const r = await getJson(`/api/events/${eventId}/viewer`);
  return r.ok ? r.body.viewer : null;
}

// One chat/question line. `tools` (host page) adds moderation buttons.
export function messageItem(m, i18n, tools) {
  const li = el("li", {"data-id": m.id, class: m.kind === "question" ? "question" : "chat"});
  if (m.kind === "question") li.append(el("span", {class: "tag", text: i18n.question_tag}), " ");
  li.append(el("strong", {class: "who", text: m.name}), " ",
            el("span", {class: "text", text: m.text}), " ",
            el("time", {class: "when", text: timeOf(m.at), dateTime: m.at}));
  if (tools) li.append(tools(m));
  return li;
}

export function renderList(list, items, make, keep = 100) {
  list.replaceChildren(...items.map(make));
  while (list.children.length > keep) list.firstElementChild.remove();
  list.scrollTop = list.scrollHeight;
}

export function appendItem(list, item, keep = 100) {
  if (list.querySelector(`[data-id="${CSS.escape(item.dataset.id)}"]`)) return;
  const stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 40;
  list.append(item);
  while (list.children.length > keep) list.firstElementChild.remove();
  if (stick) list.scrollTop = list.scrollHeight;
}

export function removeItem(id) {
  for (const node of document.querySelectorAll(`[data-id="${CSS.escape(id)}"]`)) node.remove();
}
