-- Reads items without their bodies (the body's length instead), one stream entry at a time: what the admin API
-- lists and counts, at any body size, without sending megabytes of uploads to the gateway.
-- KEYS[1] stream
-- ARGV[1] 'range' or 'ids'
--   'range': ARGV[2] exclusive start id   ARGV[3] most entries
--   'ids':   ARGV[2..] item ids (missing ones are skipped)
-- Returns { {id, {field, value, ..., 'n', body length}}, ... } without the body field 'b'.
local function strip(entry)
  local fields = entry[2]
  local out = {}
  local size = 0
  for i = 1, #fields, 2 do
    if fields[i] == 'b' then
      size = #fields[i + 1]
    else
      out[#out + 1] = fields[i]
      out[#out + 1] = fields[i + 1]
    end
  end
  out[#out + 1] = 'n'
  out[#out + 1] = tostring(size)
  return { entry[1], out }
end
local result = {}
if ARGV[1] == 'range' then
  local from = ARGV[2]
  local limit = tonumber(ARGV[3])
  while #result < limit do
    local entry = redis.call('XRANGE', KEYS[1], '(' .. from, '+', 'COUNT', 1)[1]
    if not entry then break end
    result[#result + 1] = strip(entry)
    from = entry[1]
  end
else
  for i = 2, #ARGV do
    local entry = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])[1]
    if entry then result[#result + 1] = strip(entry) end
  end
end
return result
