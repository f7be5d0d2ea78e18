// After the close: the outcome line of the live panel and, for a registered bidder, where they
// stand, read from /api/me/lots/{id} until the settlement has run (the winner's balance order
// exists, the others' deposits are refunded); a bounded poll, as settlement follows the close
// within a second or two.
import {getJson} from "./api.js";
import {$, el} from "./dom.js";
import {money} from "./format.js";
import {fill} from "./bid-confirm.js";

const POLL_MS = 1500;
// "2026-12-10 02:13" in Beijing time, as the server's pages write it (sv-SE is ISO-like).
const beijing = (iso) =>
  new Date(iso).toLocaleString("sv-SE", {timeZone: "Asia/Shanghai"}).slice(0, 16);
const MAX_POLLS = 40;

export function showOutcome(state, i18n, lotId) {
  $("lot-outcome").hidden = false;
  if (!$("result-link")) {
    $("outcome-actions").append(el("a", {class: "button secondary", id: "result-link",
      href: `/lots/${lotId}/result`, text: i18n.result_title}));
  }
  if (["failed", "cancelled"].includes(state.status)) {  // nobody buys: no tax estimate
    const fees = $("fee-estimate");
    if (fees) fees.hidden = true;
    const card = $("after-hammer");
    if (card) card.hidden = [...card.children].every((child) => child.hidden);
  }
  const text = state.status === "sold"
    ? fill(i18n.result_sold, {price: money(state.current / 100)})
    : i18n[`result_${state.status}`] || "";
  $("outcome-text").textContent = text;
}

// true when nothing more will change for this bidder.
function renderMine(item, i18n) {
  const box = $("my-outcome");
  const refunded = item.registration.deposit.status === "refunded";
  box.hidden = false;
  box.dataset.myStatus = item.status;
  if (item.status === "awaiting_balance") {
    const due = item.due_at ? [`${i18n.due_by} `,
      el("span", {class: "nowrap", text: `${beijing(item.due_at)} ${i18n.beijing_time}`})] : [];
    box.replaceChildren(el("strong", {text: i18n.my_status_awaiting_balance}), " ", ...due);
    if (item.pay_url && !$("pay-balance")) {
      $("outcome-actions").prepend(el("a", {class: "button", id: "pay-balance", href: item.pay_url,
        text: fill(i18n.pay_balance, {amount: money(item.balance)})}));
    }
    return Boolean(item.pay_url);
  }
  const head = i18n[`my_status_${item.status}`] || item.status;
  if (["lost", "failed", "cancelled"].includes(item.status)) {
    box.replaceChildren(el("strong", {text: head}), fill(i18n.in_brackets,
      {text: refunded ? i18n.deposit_refunded : i18n.deposit_refund_pending}));
    return refunded || item.registration.deposit.status !== "paid";
  }
  box.replaceChildren(el("strong", {text: head}));
  return item.status !== "registered" && item.status !== "leading" && item.status !== "outbid";
}

export async function followMyOutcome(lotId, i18n) {
  for (let i = 0; i < MAX_POLLS; i++) {
    const {ok, body} = await getJson(`/api/me/lots/${lotId}`).catch(() => ({ok: false}));
    if (ok && renderMine(body, i18n)) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

// The buyer's tax and fee estimate at this price (same rounding as settlement_rules._pct).
export function updateFees(priceFen) {
  const box = $("fee-estimate");
  if (!box) return;
  let total = 0;
  for (const row of box.querySelectorAll("tr[data-per-ten-thousand]")) {
    const bp = Number(row.dataset.perTenThousand);
    const fen = bp ? Math.floor((priceFen * bp + 5000) / 10000) : Number(row.dataset.fen);
    total += fen;
    row.querySelector(".fee-amount").textContent = money(fen / 100);
  }
  $("fee-total").textContent = money(total / 100);
  const at = $("fee-at");
  at.textContent = fill(at.dataset.template, {price: money(priceFen / 100)});
}
