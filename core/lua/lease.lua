-- Renew or release a lease held under a random token.
-- KEYS: lock. ARGV: token, ttl_ms ('0' releases). Returns 1 if the caller held the lease.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then
  redis.call('DEL', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
