-- Close a lot whose end time has passed (idempotent).
-- KEYS: state, ledger. ARGV: events channel, publish command (see common.lua).
-- Returns JSON {found, closed, changed, status, ends_at, now, id}.
local channel = ARGV[1]
local now = now_ms()
if redis.call('EXISTS', KEYS[1]) == 0 then
  return cjson.encode({found = false, now = now})
end
local st = hgetall(KEYS[1])
local ends = num(st, 'ends_at')
if st.status ~= 'scheduled' or now < ends then
  return cjson.encode({found = true, closed = st.status ~= 'scheduled', changed = false,
    status = effective_status(st, now), ends_at = ends, now = now})
end

local sold = num(st, 'bid_count') > 0
local e = {kind = 'close', seq = fmt(num(st, 'seq') + 1), lot = st.lot, at = fmt(now),
  status = sold and 'sold' or 'failed', amount = sold and st.current_price or '0',
  code = sold and st.leader_code or '', prev = head_of(st)}
e.hash = sha256(table.concat(
  {'close', e.lot, e.seq, e.at, e.status, e.amount, e.code, e.prev}, '|'))
local id = redis.call('XADD', KEYS[2], '*', 'kind', e.kind, 'seq', e.seq, 'lot', e.lot,
  'at', e.at, 'status', e.status, 'amount', e.amount, 'code', e.code, 'prev', e.prev,
  'hash', e.hash)
redis.call('HSET', KEYS[1], 'status', e.status, 'closed_at', e.at, 'seq', e.seq, 'head', e.hash)

local winner = cjson.null
if sold then winner = e.code end
publish(ARGV[2], channel, cjson.encode({
  type = 'closed', id = id, seq = tonumber(e.seq), lot = tonumber(e.lot), status = e.status,
  final_price = tonumber(e.amount), winner_code = winner, at = now, hash = e.hash,
  prev = e.prev,
}))
return cjson.encode({found = true, closed = true, changed = true, status = e.status,
  ends_at = ends, now = now, id = id})
