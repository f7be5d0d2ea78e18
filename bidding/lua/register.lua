-- Register a user for a lot (idempotent per user) and give them a unique 4-hex-digit code.
-- KEYS: state, bidders, users. ARGV: user, rank, candidate codes (random, uppercase hex)...
-- Returns JSON {code, created} or {error = 'not_found' | 'closed' | 'full'}.
if redis.call('EXISTS', KEYS[1]) == 0 then return cjson.encode({error = 'not_found'}) end
local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then return cjson.encode({code = existing, created = false}) end
if redis.call('HGET', KEYS[1], 'status') ~= 'scheduled' then
  return cjson.encode({error = 'closed'})
end

local function pick()
  for i = 3, #ARGV do
    if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then return ARGV[i] end
  end
  local start = tonumber(ARGV[3], 16) or 0
  for k = 1, 65535 do
    local c = string.format('%04X', (start + k) % 65536)
    if redis.call('HEXISTS', KEYS[2], c) == 0 then return c end
  end
  return nil
end

local code = pick()
if not code then return cjson.encode({error = 'full'}) end
redis.call('HSET', KEYS[2], code,
  cjson.encode({user = ARGV[1], deposit = false, rank = tonumber(ARGV[2])}))
redis.call('HSET', KEYS[3], ARGV[1], code)
return cjson.encode({code = code, created = true})
