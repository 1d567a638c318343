-- Take one migration slot of a calendar day, idempotent per migration id.
-- KEYS[1] set of migration ids holding a slot that day
-- ARGV[1] migration id   ARGV[2] capacity
-- Returns 1 when the slot is held (now or already), 0 when the day is full.
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
  return 1
end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('SADD', KEYS[1], ARGV[1])
return 1
