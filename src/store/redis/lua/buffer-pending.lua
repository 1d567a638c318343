-- Reads waiting items in order, one stream entry at a time, stopping before the entry whose body would pass a byte
-- budget (the first entry always comes): a page of large form uploads must not be read into the gateway at once.
-- KEYS[1] stream
-- ARGV[1] exclusive start id ("ms-seq")   ARGV[2] most entries   ARGV[3] byte budget of the bodies
-- Returns the entries as XRANGE does: { {id, {field, value, ...}}, ... }.
local out = {}
local from = ARGV[1]
local limit = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local total = 0
while #out < limit do
  local entry = redis.call('XRANGE', KEYS[1], '(' .. from, '+', 'COUNT', 1)[1]
  if not entry then break end
  local size = 0
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == 'b' then size = #fields[i + 1] end
  end
  if #out > 0 and total + size > budget then break end
  total = total + size
  out[#out + 1] = entry
  from = entry[1]
end
return out
