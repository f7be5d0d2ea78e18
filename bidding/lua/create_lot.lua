-- Create a lot, or update its terms while it has no bid and is still scheduled.
-- KEYS: state. ARGV: lot, starting_price, increment, starts_at, ends_at, extension,
-- [sale_mode: 'auction' (default) or 'fixed_price'].
-- Returns 'created', 'updated' or 'locked'.
local terms = {'starting_price', ARGV[2], 'increment', ARGV[3], 'starts_at', ARGV[4],
  'ends_at', ARGV[5], 'extension', ARGV[6], 'sale_mode', ARGV[7] or 'auction'}
if redis.call('EXISTS', KEYS[1]) == 1 then
  local st = hgetall(KEYS[1])
  if st.status ~= 'scheduled' or num(st, 'bid_count') > 0 then return 'locked' end
  redis.call('HSET', KEYS[1], unpack(terms))
  return 'updated'
end
redis.call('HSET', KEYS[1], 'lot', ARGV[1], 'status', 'scheduled', 'current_price', '0',
  'leader_code', '', 'leader_rank', '0', 'bid_count', '0', 'seq', '0', 'head', ZERO_HASH,
  'closed_at', '0', unpack(terms))
return 'created'
