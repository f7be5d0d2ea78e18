// The one reconnecting websocket: JSON messages in and out, reconnects with exponential
// backoff plus jitter (0.5 s, 1 s, 2 s … at most 10 s, each plus up to 0.5 s at random so
// a restarted server is not hit by every client at once), and marks the page offline
// while it is down.
import {setOffline} from "./dom.js";

const BASE_MS = 500;
const MAX_MS = 10000;

// path: "/ws/…" on this host. onMessage(message) for every parsed frame; onOpen(socket) after
// every (re)connect, e.g. to resume. A close with one of stopCodes (e.g. 4404, no such room)
// ends the reconnecting. staleMs: a socket that brings no frame for that long (the server
// sends a heartbeat every 10 s) is taken for dead: dropped and reconnected at once.
// Returns {send(message), close(), reconnects}; send drops messages while down.
export function reconnectingSocket(path, {onMessage, onOpen, stopCodes = [], staleMs = 0} = {}) {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  let ws = null;
  let attempt = 0;
  let timer = null;
  let staleTimer = null;
  let closed = false;
  const socket = {
    reconnects: 0,
    send(message) {
      if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    },
    close() {
      closed = true;
      clearTimeout(timer);
      clearTimeout(staleTimer);
      ws?.close();
    },
  };
  function watch() {
    clearTimeout(staleTimer);
    if (staleMs) staleTimer = setTimeout(stale, staleMs);
  }
  function stale() {
    const dead = ws;
    dead.onclose = null;
    dead.onmessage = null;
    dead.close();
    setOffline(true);
    socket.reconnects++;
    open();
  }
  function open() {
    ws = new WebSocket(`${proto}//${location.host}${path}`);
    watch();
    ws.onopen = () => {
      attempt = 0;
      setOffline(false);
      if (onOpen) onOpen(socket);
    };
    ws.onmessage = (e) => {
      watch();
      onMessage(JSON.parse(e.data));
    };
    ws.onclose = (e) => {
      clearTimeout(staleTimer);
      setOffline(true);
      if (closed || stopCodes.includes(e.code)) return;
      const wait = Math.min(BASE_MS * 2 ** attempt, MAX_MS) + Math.random() * BASE_MS;
      attempt++;
      socket.reconnects++;
      timer = setTimeout(open, wait);
    };
  }
  open();
  return socket;
}
