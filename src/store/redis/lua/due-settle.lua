-- Settle a claimed account at its next moment, unless it was touched since the claim or too recently.
-- KEYS[1] sorted set account id -> next moment (ms)   KEYS[2] hash account id -> last touch (ms, Redis TIME)
-- ARGV[1] account id   ARGV[2] the claim's lease score   ARGV[3] next moment (ms) or '' for none
-- ARGV[4] now (ms, the timeline's clock)   ARGV[5] grace (ms of real time after a touch)
-- Returns 'touched' (score no longer the lease: left as the toucher set it), 'deferred' (touched within the grace:
-- kept at min(next, now + grace)) or 'settled' (at the next moment, or removed when there is none).
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if (not score) or tonumber(score) ~= tonumber(ARGV[2]) then
  return 'touched'
end
local touched = redis.call('HGET', KEYS[2], ARGV[1])
if touched then
  local t = redis.call('TIME')
  local real = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if real - tonumber(touched) < tonumber(ARGV[5]) then
    local later = tonumber(ARGV[4]) + tonumber(ARGV[5])
    if ARGV[3] ~= '' and tonumber(ARGV[3]) < later then
      later = tonumber(ARGV[3])
    end
    redis.call('ZADD', KEYS[1], string.format('%.0f', later), ARGV[1])
    return 'deferred'
  end
end
redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
end
return 'settled'
