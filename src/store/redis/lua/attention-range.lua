-- One page of an attention list in (score, member) order, by rank so the cost follows the page, not the list.
-- KEYS[1] sorted set of the list
-- ARGV[1] min score ('-inf' for none)   ARGV[2] max score ('+inf' for none)   ARGV[3] limit
-- ARGV[4] score of the entry to continue after ('' for the first page)   ARGV[5] its account id
-- Returns a flat array: member, score, member, score, …
local key = KEYS[1]
local limit = tonumber(ARGV[3])
local start = redis.call('ZCOUNT', key, '-inf', '(' .. ARGV[1])
if ARGV[4] ~= '' then
  local afterScore = tonumber(ARGV[4])
  local after = 0
  local rank = redis.call('ZRANK', key, ARGV[5])
  local score = redis.call('ZSCORE', key, ARGV[5])
  if rank and tonumber(score) == afterScore then
    after = rank + 1
  else
    -- The entry was removed or moved since: start at its score and skip the ties that sort at or before it.
    after = redis.call('ZCOUNT', key, '-inf', '(' .. ARGV[4])
    while true do
      local row = redis.call('ZRANGE', key, after, after, 'WITHSCORES')
      if #row == 0 or tonumber(row[2]) ~= afterScore or row[1] > ARGV[5] then
        break
      end
      after = after + 1
    end
  end
  if after > start then
    start = after
  end
end
local rows = redis.call('ZRANGE', key, start, start + limit - 1, 'WITHSCORES')
local out = {}
local max = ARGV[2] ~= '+inf' and tonumber(ARGV[2]) or nil
for i = 1, #rows, 2 do
  if max and tonumber(rows[i + 1]) > max then
    break
  end
  out[#out + 1] = rows[i]
  out[#out + 1] = rows[i + 1]
end
return out
