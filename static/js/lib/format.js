// Money and time as the pages show them: yuan with two decimals in zh-CN grouping
// ("¥6,903,000.00"), times in Beijing time (Asia/Shanghai) whatever the browser's zone.

const BEIJING = "Asia/Shanghai";

// "¥1,234.50"; null/undefined (no price yet) -> "—".
export const money = (yuan) => yuan == null ? "—" :
  `¥${Number(yuan).toLocaleString("zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2})}`;

// Amounts are exchanged as yuan strings ("1234.50") and computed on in integer fen.
export const toFen = (yuan) => Math.round(Number.parseFloat(yuan) * 100);
export const toYuan = (fen) => (fen / 100).toFixed(2);

// "14:03:27" (24-hour, Beijing time).
export const timeOf = (iso) =>
  new Date(iso).toLocaleTimeString("zh-CN", {timeZone: BEIJING, hour12: false});

// Date and time in Beijing time in the page's language (the <html lang>).
export const dateTimeOf = (iso, lang = document.documentElement.lang) =>
  new Date(iso).toLocaleString(lang, {timeZone: BEIJING});

// A countdown: "hh:mm:ss", with "<d><days> " in front when a day or more is left; negative -> 0.
export function countdown(ms, days) {
  const s = Math.floor(Math.max(ms, 0) / 1000);
  const d = Math.floor(s / 86400);
  const hh = String(Math.floor((s % 86400) / 3600)).padStart(2, "0");
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, "0");
  const ss = String(s % 60).padStart(2, "0");
  const clock = `${hh}:${mm}:${ss}`;
  return d ? `${d}${days} ${clock}` : clock;
}
