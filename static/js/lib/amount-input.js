// A yuan amount field that groups thousands as the bidder types ("4,587,000"), keeping the
// caret after the same digit, and reads back integer fen. Pure helpers plus one binder.

// "4587000.5" -> "4,587,000.5"; keeps at most two decimals; drops anything but digits and ".".
export function groupDigits(text) {
  const clean = String(text).replace(/[^\d.]/g, "");
  const dot = clean.indexOf(".");
  const whole = (dot < 0 ? clean : clean.slice(0, dot)).replace(/^0+(?=\d)/, "");
  const decimals = dot < 0 ? null : clean.slice(dot + 1).replace(/\./g, "").slice(0, 2);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return decimals === null ? grouped : `${grouped || "0"}.${decimals}`;
}

// What the bidder typed, as an API amount ("4587000.00" style, separators removed).
export const plainAmount = (text) => String(text).replace(/[\s,，¥￥]/g, "");

// Integer fen of the field's text, or null when it is not an amount.
export function readFen(text) {
  const plain = plainAmount(text);
  if (!/^\d+(\.\d{0,2})?$/.test(plain)) return null;
  const fen = Math.round(Number.parseFloat(plain) * 100);
  return Number.isSafeInteger(fen) ? fen : null;
}

// fen -> "4,587,000" (whole yuan) or "4,587,000.50".
export function groupedYuan(fen) {
  const yuan = Math.floor(fen / 100);
  const cents = fen % 100;
  const whole = groupDigits(String(yuan));
  return cents ? `${whole}.${String(cents).padStart(2, "0")}` : whole;
}

// Re-group the field on every edit, keeping the caret after the same number of digits.
export function bindAmountInput(input) {
  input.addEventListener("input", () => {
    const caret = input.selectionStart ?? input.value.length;
    const digitsBefore = input.value.slice(0, caret).replace(/[^\d.]/g, "").length;
    const next = groupDigits(input.value);
    if (next === input.value) return;
    input.value = next;
    let pos = 0;
    for (let seen = 0; pos < next.length && seen < digitsBefore; pos++) {
      if (/[\d.]/.test(next[pos])) seen++;
    }
    input.setSelectionRange(pos, pos);
  });
}
