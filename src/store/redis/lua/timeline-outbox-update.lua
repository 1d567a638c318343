-- Compare-and-set a notification on its revision, keeping the pending index in step.
-- KEYS[1] hash id -> notification JSON   KEYS[2] sorted set of pending ids by next attempt time
-- ARGV[1] id   ARGV[2] expected rev   ARGV[3] new JSON (rev already expected + 1)
-- ARGV[4] next attempt (ms) when still pending, '' to drop it from the pending index
-- Returns 1 when written, 0 when the notification is missing or was changed meanwhile.
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then
  return 0
end
if tonumber(cjson.decode(current)['rev']) ~= tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return 1
