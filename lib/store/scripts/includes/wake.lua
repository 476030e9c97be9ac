-- Instances arm their timers on the soonest due time still in the future. A
-- new due time earlier than that (or already due) must wake them: publish it.
local function soonestFutureDue(dueKey, now)
  local upcoming = redis.call('ZRANGEBYSCORE', dueKey, '(' .. now, '+inf', 'LIMIT', 0, 1, 'WITHSCORES')
  return upcoming[2] and tonumber(upcoming[2]) or nil
end

local function wakeIfSooner(channel, due, soonestBefore)
  if soonestBefore == nil or due < soonestBefore then
    redis.call('PUBLISH', channel, due)
  end
end
