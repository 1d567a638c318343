-- Open the post-migration checklist for a migration, idempotently (a new migration replaces an old one).
-- KEYS[1] hash: migrationId, openedAt, item:<id> -> mark JSON
-- ARGV[1] migration id   ARGV[2] opened at (ms)
-- Returns 1 when opened now, 0 when it was already open for this migration.
if redis.call('HGET', KEYS[1], 'migrationId') == ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'migrationId', ARGV[1], 'openedAt', ARGV[2])
return 1
