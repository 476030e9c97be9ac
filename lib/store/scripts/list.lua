--[[
  One page of a shard's pending tasks (the due index, filtered by claimable
  time) or in-flight deliveries (the claims, in the order they were claimed,
  filtered by lease expiry), filtered by a Redis glob too. Reads at most a
  bounded number of entries, so a page costs time in proportion to the page,
  not to the set.

  KEYS[1] index   zset  key -> claimable time (due index) or claim number (claims)
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  KEYS[4] leases  zset  claim number -> lease expiry
  KEYS[5] holders hash  claim number -> instance id
  ARGV[1] lowest claimable time or lease expiry, inclusive ("-inf" for none)
  ARGV[2] highest claimable time or lease expiry, inclusive ("+inf" for none)
  ARGV[3] cursor score, or "" to start at the lowest score
  ARGV[4] cursor member: the page starts after (cursor score, cursor member)
  ARGV[5] most entries to return
  ARGV[6] most entries to inspect
  ARGV[7] pattern (Redis glob)
  ARGV[8] "active" to list the claims, else the due index

  Returns: { done (1 when nothing is left in the range past the last entry inspected),
             score of the last entry inspected or false, its member or false,
             then per entry 6 values: key, score, record (or false), state (or false),
             and for a claim its lease expiry and holder (or false, false) }
]]
-- @include glob, ranks

local index = KEYS[1]
local lowest, highest = ARGV[1], ARGV[2]
local limit, scanLimit = tonumber(ARGV[5]), tonumber(ARGV[6])
local matches = globMatcher(ARGV[7])
local claims = ARGV[8] == 'active'
local lowestTime, highestTime = tonumber(lowest), tonumber(highest)
-- The due index is walked over its range of scores; the claims all through,
-- an entry kept if its claim's lease lies in the range.
local highestScore = claims and math.huge or highestTime
local leaseOf = {}
local function inRange(claim)
  if not claims then return true end
  if leaseOf[claim] == nil then
    leaseOf[claim] = tonumber(redis.call('ZSCORE', KEYS[4], claim)) or false
  end
  local lease = leaseOf[claim]
  return lease and lease >= lowestTime and lease <= highestTime
end

local start
if ARGV[3] ~= '' then
  start = rankAfter(index, ARGV[3], ARGV[4])
elseif claims then
  start = redis.call('ZCOUNT', index, '-inf', 0) -- past the skiplist keeper (claims.lua)
else
  start = redis.call('ZCOUNT', index, '-inf', '(' .. lowest)
end

local picked, inspected, done = {}, 0, 0
local lastScore, lastMember = false, false
local pageSize = limit
while #picked < limit * 2 and inspected < scanLimit and done == 0 do
  local size = math.min(pageSize, scanLimit - inspected)
  local first = start + inspected
  local entries = redis.call('ZRANGE', index, first, first + size - 1, 'WITHSCORES')
  -- The set ends within this read.
  if #entries < size * 2 then done = 1 end
  for i = 1, #entries, 2 do
    if tonumber(entries[i + 1]) > highestScore then
      done = 1
      break
    end
    inspected = inspected + 1
    lastMember, lastScore = entries[i], entries[i + 1]
    if matches(lastMember) and inRange(lastScore) then
      picked[#picked + 1] = lastMember
      picked[#picked + 1] = lastScore
      if #picked >= limit * 2 then
        -- A full page: entries after this one in the read are for the next page.
        if i + 1 < #entries then done = 0 end
        break
      end
    end
  end
  pageSize = pageSize * 2
end

local result = { done, lastScore, lastMember }
for i = 1, #picked, 2 do
  local key = picked[i]
  result[#result + 1] = key
  result[#result + 1] = picked[i + 1]
  result[#result + 1] = redis.call('HGET', KEYS[2], key)
  result[#result + 1] = redis.call('HGET', KEYS[3], key)
  if claims then
    result[#result + 1] = leaseOf[picked[i + 1]]
    result[#result + 1] = redis.call('HGET', KEYS[5], picked[i + 1])
  else
    result[#result + 1] = false
    result[#result + 1] = false
  end
end
return result
