-- Deletes an account's API token by id and announces it.
-- KEYS[1] digest → account (hash)   KEYS[2] the account's tokens: id → JSON {digest, label, createdAt} (hash)
-- ARGV[1] account id   ARGV[2] token id   ARGV[3] change channel
-- Returns 1 when deleted, 0 when the account has no token with this id.
local stored = redis.call('HGET', KEYS[2], ARGV[2])
if not stored then
  return 0
end
local digest = cjson.decode(stored)['digest']
redis.call('HDEL', KEYS[2], ARGV[2])
if redis.call('HGET', KEYS[1], digest) == ARGV[1] then
  redis.call('HDEL', KEYS[1], digest)
end
redis.call('PUBLISH', ARGV[3], cjson.encode({{'token', digest, ''}}))
return 1
