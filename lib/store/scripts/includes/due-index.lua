-- The due index (zset "due") orders pending tasks by the moment they become
-- claimable. A task's record keeps the due time it was scheduled for; the
-- index never scores an entry below the shard's floor: the latest "now" any
-- claim has seen (string key "floor"), or this script's own "now" if later.
-- NOTE: so a claimer may remember how far it has looked past due tasks it
-- cannot handle (claim.lua's cursor): nothing new can appear behind that
-- point, even if Redis' clock steps back or a replica with a slower clock
-- takes over.
local function indexFloor(floorKey, now)
  local floor = tonumber(redis.call('GET', floorKey))
  if floor and floor > now then return floor end
  return now
end

local function indexScore(due, floor)
  if due < floor then return floor end
  return due
end
