-- Mark a checklist item, only when a checklist is open.
-- KEYS[1] hash: migrationId, openedAt, item:<id> -> mark JSON
-- ARGV[1] item id   ARGV[2] mark JSON
-- Returns 1 when stored, 0 when no checklist is open.
if redis.call('HEXISTS', KEYS[1], 'migrationId') == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'item:' .. ARGV[1], ARGV[2])
return 1
