-- Move a record's status field from one of the allowed values to another, atomically,
-- optionally only before (or only at/after) a deadline held in the same hash (Redis TIME).
-- KEYS: the hash. ARGV: field, allowed 'a|b' ('none' = field absent), to, deadline field,
-- deadline mode ('before', 'after' or ''), then field/value pairs to set on success.
-- Sets '<to>_at' = now on success. Returns JSON {ok, changed, current, error, now}.
local field, allowed, to, dfield, dmode = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local now = now_ms()
local cur = redis.call('HGET', KEYS[1], field)
if not cur then cur = 'none' end
if cur == to then return cjson.encode({ok = true, changed = false, current = cur, now = now}) end
local permitted = false
for s in string.gmatch(allowed, '[^|]+') do
  if s == cur then permitted = true end
end
if not permitted then
  return cjson.encode({ok = false, changed = false, current = cur, error = 'state', now = now})
end
if dmode ~= '' then
  local d = tonumber(redis.call('HGET', KEYS[1], dfield)) or 0
  if dmode == 'before' and now >= d then
    return cjson.encode({ok = false, changed = false, current = cur, error = 'deadline_passed',
      now = now})
  end
  if dmode == 'after' and now < d then
    return cjson.encode({ok = false, changed = false, current = cur, error = 'not_due', now = now})
  end
end
redis.call('HSET', KEYS[1], field, to, to .. '_at', fmt(now))
for i = 6, #ARGV - 1, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return cjson.encode({ok = true, changed = true, current = to, now = now})
