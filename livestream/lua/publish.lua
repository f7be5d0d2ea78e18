-- Publish one room event with the channel's next sequence number, atomically (so numbers
-- reach subscribers in order and a subscriber can tell a lost event by the gap).
-- KEYS: the channel's sequence counter. ARGV: channel, the event's wire JSON (an object),
-- the name of the sequence field ("seq" on the public channel, "mseq" on the moderators'),
-- the publish command: 'SPUBLISH' on a Redis Cluster (sharded pub/sub: the channel shares
-- the counter's slot, only its master delivers it), else (or when absent) 'PUBLISH'.
-- Returns the number given.
local n = redis.call('INCR', KEYS[1])
local text = ARGV[2]
local rest = string.sub(text, 2)
if rest ~= '}' then rest = ',' .. rest end
local command = ARGV[4] == 'SPUBLISH' and 'SPUBLISH' or 'PUBLISH'
redis.call(command, ARGV[1], '{"' .. ARGV[3] .. '":' .. n .. rest)
return n
