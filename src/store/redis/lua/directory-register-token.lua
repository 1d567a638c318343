-- Registers an API-token digest to an account, unless another account (or another token of the account with the
-- same 12-digit id) has it, and announces it.
-- KEYS[1] digest → account (hash)   KEYS[2] the account's tokens: id → JSON {digest, label, createdAt} (hash)
-- ARGV[1] digest   ARGV[2] account id   ARGV[3] token id   ARGV[4] token JSON   ARGV[5] change channel
-- Returns {1} when registered, {2, stored JSON} when the account had it already, {0} when taken.
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if owner then
  if owner ~= ARGV[2] then
    return {0}
  end
  return {2, redis.call('HGET', KEYS[2], ARGV[3])}
end
if redis.call('HEXISTS', KEYS[2], ARGV[3]) == 1 then
  return {0}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
redis.call('PUBLISH', ARGV[5], cjson.encode({{'token', ARGV[1], ARGV[2]}}))
return {1}
