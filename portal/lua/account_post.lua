-- Append one money movement to a case's account ledger (idempotent per ref).
-- KEYS: account stream, balances hash, refs hash (all hash-tagged {case id}).
-- ARGV: case, ref, kind, from, to, amount (fen > 0), lot, user.
-- Custody accounts (the court's account for this case) are named deposits:<lot>,
-- proceeds:<lot> and forfeited:<lot>; any other name is outside (bidder:<code>, applicant,
-- costs). A custody account can never go below zero.
-- Returns JSON {ok, duplicate, id, entry} or {ok = false, error, available}.
local case, ref, kind, src, dst = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local amount, lot, user = tonumber(ARGV[6]), ARGV[7], ARGV[8]
local existing = redis.call('HGET', KEYS[3], ref)
if existing then return cjson.encode({ok = true, duplicate = true, id = existing}) end
if not amount or amount <= 0 or amount ~= math.floor(amount) then
  return cjson.encode({ok = false, error = 'bad_amount'})
end
local function custody(name)
  return string.find(name, '^deposits:') ~= nil or string.find(name, '^proceeds:') ~= nil
    or string.find(name, '^forfeited:') ~= nil
end
local b = hgetall(KEYS[2])
local effect = 0
if custody(src) then
  if num(b, src) < amount then
    return cjson.encode({ok = false, error = 'insufficient', available = num(b, src)})
  end
  effect = effect - amount
end
if custody(dst) then effect = effect + amount end
local now = now_ms()
local seq = num(b, 'seq') + 1
local balance = num(b, 'total') + effect
local prev = b.head or ZERO_HASH
local e = {seq = fmt(seq), at = fmt(now), case = case, kind = kind, lot = lot, from = src,
  to = dst, amount = fmt(amount), effect = fmt(effect), balance = fmt(balance), ref = ref,
  user = user, prev = prev}
e.hash = sha256(table.concat({'acct', e.case, e.seq, e.at, e.kind, e.lot, e.from, e.to,
  e.amount, e.effect, e.balance, e.ref, e.user, e.prev}, '|'))
local id = redis.call('XADD', KEYS[1], '*', 'seq', e.seq, 'at', e.at, 'case', e.case,
  'kind', e.kind, 'lot', e.lot, 'from', e.from, 'to', e.to, 'amount', e.amount,
  'effect', e.effect, 'balance', e.balance, 'ref', e.ref, 'user', e.user, 'prev', e.prev,
  'hash', e.hash)
if custody(src) then redis.call('HINCRBY', KEYS[2], src, -amount) end
if custody(dst) then redis.call('HINCRBY', KEYS[2], dst, amount) end
if effect > 0 then redis.call('HINCRBY', KEYS[2], 'in_total', effect) end
if effect < 0 then redis.call('HINCRBY', KEYS[2], 'out_total', -effect) end
redis.call('HSET', KEYS[2], 'total', fmt(balance), 'seq', e.seq, 'head', e.hash)
redis.call('HSET', KEYS[3], ref, id)
return cjson.encode({ok = true, duplicate = false, id = id, entry = e})
