// Talking to the server. The JSON API (/api/…) takes only application/json bodies and checks
// the Origin header (same-origin fetches send it), so JSON calls need no token; the upload
// endpoints (/upload/…) take raw file bodies and the page's CSRF token in x-csrf-token.

// Any status: {status, ok, body}. A body that is not JSON (or a 204) reads as {}. `headers`:
// extra request headers (e.g. an Idempotency-Key).
export async function requestJson(method, url, body, headers = {}) {
  const init = {method, headers: {Accept: "application/json", ...headers}, credentials: "same-origin"};
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(url, init);
  const data = r.status === 204 ? {} : await r.json().catch(() => ({}));
  return {status: r.status, ok: r.ok, body: data, statusText: r.statusText};
}

export const getJson = (url) => requestJson("GET", url);

// A fresh Idempotency-Key (32 hex digits; getRandomValues works outside secure contexts too).
export function idempotencyKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// The body on success; otherwise throws an Error carrying the server's error fields
// (code, message, min_next …).
export async function api(method, url, body) {
  const r = await requestJson(method, url, body);
  if (!r.ok) throw Object.assign(new Error(r.body.error?.message || r.statusText), r.body.error || {});
  return r.body;
}

// POST a file to an upload endpoint with progress (0..1); resolves {status, body}, never rejects.
export function upload(url, file, {csrf, onProgress} = {}) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("content-type", file.type || "application/octet-stream");
    if (csrf) xhr.setRequestHeader("x-csrf-token", csrf);
    xhr.setRequestHeader("x-filename", encodeURIComponent(file.name));
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = {error: {message: xhr.statusText}}; }
      resolve({status: xhr.status, body});
    };
    xhr.onerror = () => resolve({status: 0, body: {error: {code: "network", message: "Network error"}}});
    xhr.send(file);
  });
}
