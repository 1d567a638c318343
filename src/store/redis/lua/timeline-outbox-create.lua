-- Create a notification unless the account already holds one with the same claim key (exactly once).
-- KEYS[1] hash id -> notification JSON   KEYS[2] hash claim key -> id
-- KEYS[3] list of ids in creation order  KEYS[4] sorted set of pending ids by next attempt time
-- ARGV[1] claim key   ARGV[2] id   ARGV[3] notification JSON   ARGV[4] next attempt (ms) or '' when not pending
-- Returns {1, json} when created, {0, stored json} when the key was already claimed.
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then
  return {0, redis.call('HGET', KEYS[1], existing)}
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('RPUSH', KEYS[3], ARGV[2])
if ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[4], ARGV[4], ARGV[2])
end
return {1, ARGV[3]}
