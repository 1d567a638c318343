-- The rolling-window allocation of one integration: forget old calls, then take one if the allocation has room.
-- KEYS[1] sorted set of call ids scored by call time (epoch ms)
-- ARGV[1] now (ms)   ARGV[2] window (ms)   ARGV[3] allocation   ARGV[4] unique id for this call
-- Returns {allowed (1|0), calls in the window after this decision, ms until a call frees up (0 when allowed)}.
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local allocation = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < allocation then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  -- Nothing in the set outlives the window, so neither does the key.
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, count + 1, 0}
end
-- The call whose leaving brings the count below the allocation (the oldest unless the allocation was lowered).
local index = count - math.max(allocation, 1)
local freeing = redis.call('ZRANGE', KEYS[1], index, index, 'WITHSCORES')
if freeing[2] == nil then
  return {0, count, window}
end
return {0, count, math.max(1, tonumber(freeing[2]) + window - now)}
