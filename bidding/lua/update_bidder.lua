-- Merge fields into a bidder record atomically. KEYS: bidders. ARGV: code, JSON object.
-- Returns 'ok' or 'unknown'.
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 'unknown' end
local rec = cjson.decode(raw)
for k, v in pairs(cjson.decode(ARGV[2])) do rec[k] = v end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(rec))
return 'ok'
