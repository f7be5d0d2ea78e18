// The binding-bid confirmation (<dialog id="bid-confirm"> in _bid_form.html): the amount in
// figures and in capital numerals, how many increments it is above the current price, and a
// warning when it is more than FAR_STEPS increments above the minimum. Resolves true only when
// the bidder presses 确认出价 (Esc or 取消 resolve false).
import {rmbCapital} from "./capital.js";
import {$} from "./dom.js";
import {money, toYuan} from "./format.js";

export const FAR_STEPS = 10;

// "{n} 档" templates from the page's i18n block.
export const fill = (template, values) =>
  template.replace(/\{(\w+)\}/g, (_, k) => (k in values ? String(values[k]) : `{${k}}`));

// How the amount stands against the price: above the current price when there is one, else
// against the starting price.
function stepsText({fen, current, starting, increment}, i18n) {
  if (current != null) {
    return fill(i18n.confirm_steps, {n: Math.round((fen - current) / increment),
      price: money(toYuan(current))});
  }
  const n = Math.round((fen - starting) / increment);
  return n === 0 ? i18n.confirm_at_start : fill(i18n.confirm_steps_start, {n});
}

export function confirmBid(bid, i18n) {
  const dialog = $("bid-confirm");
  $("confirm-amount").textContent = money(toYuan(bid.fen));
  $("confirm-capital").textContent = rmbCapital(bid.fen);
  $("confirm-steps").textContent = stepsText(bid, i18n);
  const over = Math.round((bid.fen - bid.minNext) / bid.increment);
  const warning = $("confirm-warning");
  warning.hidden = over <= FAR_STEPS;
  warning.textContent = fill(i18n.confirm_far, {n: over, over: money(toYuan(bid.fen - bid.minNext))});
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), {once: true});
    dialog.returnValue = "";
    dialog.showModal();
  });
}
