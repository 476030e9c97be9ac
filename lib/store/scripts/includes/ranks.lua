-- Positions in a sorted set by (score, member), the order Redis keeps: for
-- paging that neither repeats nor skips an entry while others come and go.

local byte = string.byte

-- Whether member a sorts after member b: Redis orders equal scores by the
-- members' bytes (memcmp), which Lua's string comparison (locale) does not.
local function sortsAfter(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = byte(a, i), byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end

-- The rank of the first entry after the position (score, member), whether or
-- not that member is still there. `score` is formatted as Redis replies it.
local function rankAfter(key, score, member)
  if redis.call('ZSCORE', key, member) == score then
    return redis.call('ZRANK', key, member) + 1
  end
  -- Gone or moved: binary search among the entries of that score.
  local low = redis.call('ZCOUNT', key, '-inf', '(' .. score)
  local high = low + redis.call('ZCOUNT', key, score, score)
  while low < high do
    local middle = math.floor((low + high) / 2)
    local probe = redis.call('ZRANGE', key, middle, middle)[1]
    if sortsAfter(probe, member) then high = middle else low = middle + 1 end
  end
  return low
end
