--[[
  Claims due tasks whose key matches one of the caller's patterns: removes them
  from the due index, gives each a fresh claim token and a lease, and counts the
  delivery. Atomic, so two instances racing for the same task never both win.

  KEYS[1] due     zset  key -> due time
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  KEYS[4] active  zset  key -> lease expiry
  KEYS[5] seq     string claim token counter
  ARGV[1] most tasks to claim
  ARGV[2] lease ms
  ARGV[3] offset: due entries to skip (ones this caller already found it cannot handle)
  ARGV[4] most due entries to inspect
  ARGV[5..] patterns (Redis glob) the caller has handlers for

  Returns: { now, soonest future due time or nil, skipped, exhausted (1|0), first token,
             then per claimed task 3 values: key, state before the claim (or false), record }
           The n-th task returned holds token first token + n - 1; the caller derives
           attempt, recovery flag and finished handlers from the state before.

  NOTE: the reply is kept to raw strings the script already has in hand; turning
  more values per task into a Lua table and a RESP reply is a large part of the
  cost of draining a burst.
]]
-- @include clock, record, glob

local now = redisNowMs()
local want = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
local scanLimit = tonumber(ARGV[4])
local candidates = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', tonumber(ARGV[3]), scanLimit)

local matchers = {}
for i = 5, #ARGV do matchers[#matchers + 1] = globMatcher(ARGV[i]) end

local picked, skipped, stoppedEarly = {}, 0, false
for _, key in ipairs(candidates) do
  if #picked >= want then
    stoppedEarly = true
    break
  end
  local matches = false
  for _, matcher in ipairs(matchers) do
    if matcher(key) then
      matches = true
      break
    end
  end
  if matches then picked[#picked + 1] = key else skipped = skipped + 1 end
end

local exhausted = (not stoppedEarly and #candidates < scanLimit) and 1 or 0
local result = { now, false, skipped, exhausted, 0 }

if #picked > 0 then
  local records = redis.call('HMGET', KEYS[2], unpack(picked))
  local states = redis.call('HMGET', KEYS[3], unpack(picked))
  local firstToken = redis.call('INCRBY', KEYS[5], #picked) - #picked + 1
  result[5] = firstToken
  redis.call('ZREM', KEYS[1], unpack(picked))
  local leases, newStates = {}, {}
  local token = firstToken
  for i, key in ipairs(picked) do
    local record = records[i]
    -- A due entry without a record cannot be delivered; dropping it keeps the index clean.
    if record then
      local state = states[i]
      local attempt, done = 1, ''
      if state then
        local previousAttempt, _, _, previousDone = parseState(state)
        attempt, done = previousAttempt + 1, previousDone
      end
      leases[#leases + 1] = now + lease
      leases[#leases + 1] = key
      newStates[#newStates + 1] = key
      newStates[#newStates + 1] = formatState(attempt, token, '', done)
      token = token + 1
      result[#result + 1] = key
      result[#result + 1] = state or false
      result[#result + 1] = record
    end
  end
  if #leases > 0 then
    redis.call('ZADD', KEYS[4], unpack(leases))
    redis.call('HSET', KEYS[3], unpack(newStates))
  end
end

local upcoming = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'LIMIT', 0, 1, 'WITHSCORES')
if upcoming[2] then result[2] = tonumber(upcoming[2]) end
return result
