-- Place one bid atomically.
-- KEYS: state, ledger, bidders, users, idempotency outcomes. ARGV: code, amount (integer
-- fen), events channel, user id, idempotency key, publish command ('SPUBLISH' on a Redis
-- Cluster, else 'PUBLISH'; see common.lua). With an empty code the bidder's code is
-- looked up here from the user id, saving the caller a round trip.
-- Idempotency: with a key, the outcome (acceptance or refusal) is kept under key|bidder and a
-- retry with the same key by the same bidder gets it again, marked "replayed", without a
-- second ledger entry or event. The outcomes expire a day after the lot's (latest) end.
-- Returns JSON {ok, error, min_next, now, state, entry, id, prev_leader[, replayed]}.
local code, amount, channel, idem = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[5] or ''
if code == '' and ARGV[4] ~= '' then
  code = redis.call('HGET', KEYS[4], ARGV[4]) or ''
end
local now = now_ms()

if redis.call('EXISTS', KEYS[1]) == 0 then
  return cjson.encode({ok = false, error = 'not_found', now = now})
end
local idem_field = idem .. '|' .. (ARGV[4] ~= '' and ARGV[4] or code)
if idem ~= '' then
  local kept = redis.call('HGET', KEYS[5], idem_field)
  if kept then return '{"replayed":true,' .. string.sub(kept, 2) end
end
local function outcome(reply, ends_at)
  if idem ~= '' then
    redis.call('HSET', KEYS[5], idem_field, reply)
    redis.call('PEXPIREAT', KEYS[5], ends_at + 86400000)
  end
  return reply
end
local st = hgetall(KEYS[1])
local bidder = nil
local raw = redis.call('HGET', KEYS[3], code)
if raw then bidder = cjson.decode(raw) end
local rank = 0
if bidder then rank = tonumber(bidder.rank) or 0 end
local floor = min_next(st, rank)

local function refusal()
  if st.status ~= 'scheduled' then return 'closed' end
  if now < num(st, 'starts_at') then return 'not_open' end
  if now >= num(st, 'ends_at') then return 'closed' end
  if not bidder then return 'not_registered' end
  if bidder.deposit ~= true then return 'deposit_unpaid' end
  if num(st, 'bid_count') > 0 and st.leader_code == code then return 'already_leading' end
  if amount < floor then return 'below_minimum' end
  if (amount - num(st, 'starting_price')) % num(st, 'increment') ~= 0 then
    return 'off_increment'
  end
  return nil
end

local err = refusal()
if err then
  return outcome(cjson.encode({ok = false, error = err, min_next = floor, now = now,
    state = st}), num(st, 'ends_at'))
end

local ends, ext = num(st, 'ends_at'), num(st, 'extension')
local new_end = ends
if now >= ends - ext and now + ext > ends then new_end = now + ext end
-- Fixed-price sale (变卖): the first full-price bid wins unless others raise within the
-- extension window, so the first bid brings the end forward to bid time + window.
if st.sale_mode == 'fixed_price' and num(st, 'bid_count') == 0 and now + ext < ends then
  new_end = now + ext
end
local seq = num(st, 'seq') + 1
local prev = head_of(st)
local prev_leader = ''
if num(st, 'bid_count') > 0 then prev_leader = st.leader_code or '' end
local e = {
  kind = 'bid', seq = fmt(seq), lot = st.lot, at = fmt(now), code = code,
  amount = fmt(amount), rank = fmt(rank), ends_at = fmt(new_end),
  extended = (new_end > ends) and '1' or '0', prev = prev,
}
e.hash = sha256(table.concat(
  {'bid', e.lot, e.seq, e.at, e.code, e.amount, e.rank, e.ends_at, e.prev}, '|'))
local id = redis.call('XADD', KEYS[2], '*', 'kind', e.kind, 'seq', e.seq, 'lot', e.lot,
  'at', e.at, 'code', e.code, 'amount', e.amount, 'rank', e.rank, 'ends_at', e.ends_at,
  'extended', e.extended, 'prev', e.prev, 'hash', e.hash)

st.current_price, st.leader_code, st.leader_rank = e.amount, code, e.rank
st.bid_count, st.seq, st.head, st.ends_at = fmt(num(st, 'bid_count') + 1), e.seq, e.hash, e.ends_at
redis.call('HSET', KEYS[1], 'current_price', st.current_price, 'leader_code', code,
  'leader_rank', st.leader_rank, 'bid_count', st.bid_count, 'seq', st.seq, 'head', st.head,
  'ends_at', st.ends_at)

publish(ARGV[6], channel, cjson.encode({
  type = 'bid', id = id, seq = seq, lot = tonumber(st.lot), amount = amount, code = code,
  rank = rank, at = now, ends_at = new_end, extended = new_end > ends, hash = e.hash,
  prev = prev, current_price = amount, leader_code = code, bid_count = tonumber(st.bid_count),
}))
return outcome(cjson.encode({ok = true, min_next = amount + num(st, 'increment'), now = now,
  state = st, entry = e, id = id, prev_leader = prev_leader}), new_end)
