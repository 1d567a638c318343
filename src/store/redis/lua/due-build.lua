-- Should the caller build the timeline's due index from the stored accounts? Once per store, one caller at a time.
-- KEYS[1] marker: the index is built   KEYS[2] lease of the instance building it
-- ARGV[1] owner   ARGV[2] lease (ms)
-- Returns 1 when the caller holds the lease and must build, 0 when it is built or someone else is building it.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
