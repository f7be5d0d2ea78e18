-- Cancel a scheduled lot (idempotent). KEYS: state. ARGV: events channel, publish command
-- (see common.lua).
-- Returns 'cancelled', 'already', 'closed' (sold/failed) or 'not_found'.
local now = now_ms()
if redis.call('EXISTS', KEYS[1]) == 0 then return 'not_found' end
local st = hgetall(KEYS[1])
if st.status == 'cancelled' then return 'already' end
if st.status ~= 'scheduled' then return 'closed' end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'closed_at', fmt(now))
publish(ARGV[2], ARGV[1], cjson.encode({type = 'cancelled', lot = tonumber(st.lot),
  at = now}))
return 'cancelled'
