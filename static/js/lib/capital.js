// Amounts in Chinese capital numerals (大写金额), the form written on Chinese financial
// documents so a figure cannot be altered: 3500000.00 yuan -> "叁佰伍拾万元整",
// 1005 -> "壹仟零伍元整", 1.05 -> "壹元零伍分". Rules (支付结算办法): one 零 for any run of
// zeros inside the number, none at the end of a group; 整 after 元 when there are no 角/分,
// none after 角 or 分; 零 between 元 and 分 when 角 is zero. Pure: no DOM.

const DIGITS = "零壹贰叁肆伍陆柒捌玖";
const SMALL = ["", "拾", "佰", "仟"];
const GROUPS = ["", "万", "亿", "万亿"];

// 1..9999 -> "壹仟零伍" (no leading 零; the caller adds the one between groups).
function group(n) {
  let out = "";
  let zero = false;
  for (let i = 3; i >= 0; i--) {
    const d = Math.floor(n / 10 ** i) % 10;
    if (d === 0) {
      zero = out !== "";
      continue;
    }
    if (zero) out += "零";
    zero = false;
    out += DIGITS[d] + SMALL[i];
  }
  return out;
}

// Whole yuan -> "壹亿零伍佰" ("" for 0).
function whole(yuan) {
  const groups = [];
  for (let n = yuan; n > 0; n = Math.floor(n / 10000)) groups.push(n % 10000);
  let out = "";
  let gap = false;
  for (let g = groups.length - 1; g >= 0; g--) {
    const v = groups[g];
    if (v === 0) {
      gap = out !== "";
      continue;
    }
    if (out && (gap || v < 1000)) out += "零";
    gap = false;
    out += group(v) + GROUPS[g];
  }
  return out;
}

// fen (a non-negative safe integer) -> "叁佰伍拾万元整"; throws RangeError otherwise.
export function capitalAmount(fen) {
  if (!Number.isSafeInteger(fen) || fen < 0) throw new RangeError(`not an amount of fen: ${fen}`);
  const jiao = Math.floor(fen / 10) % 10;
  const cents = fen % 10;
  const yuan = whole(Math.floor(fen / 100));
  if (jiao === 0 && cents === 0) return `${yuan || "零"}元整`;
  let out = yuan ? `${yuan}元` : "";
  if (jiao) out += `${DIGITS[jiao]}角`;
  else if (out) out += "零";
  if (cents) out += `${DIGITS[cents]}分`;
  return out;
}

// With the currency, as on a form: "人民币叁佰伍拾万元整".
export const rmbCapital = (fen) => `人民币${capitalAmount(fen)}`;
