--[[
  Claims due tasks whose key matches one of the caller's patterns: removes them
  from the due index and holds them under one new claim with one lease
  (includes/claims.lua); a task with a history has its attempt counted.
  Atomic, so two instances racing for the same task never both win.

  The caller's cursor marks how far it has already looked past due tasks it
  cannot handle, so a crowd of tasks that no handler of the caller matches is
  inspected once, not on every claim. The claim raises the shard's floor to
  its "now", and no entry is ever indexed below the floor (due-index.lua), so
  nothing can appear behind a cursor that stops short of that millisecond.

  A handler may have a limit of deliveries in flight (per-handler concurrency):
  the caller passes each limited handler's room, and a task is taken only if
  every limited handler matching it has room left (a full handler holds back
  only its own tasks). The cursor never moves past a task held back that way:
  it becomes claimable as room frees. The caller may resume after the last
  entry inspected (held back and unhandled entries alone lie behind it), and
  claims the held-back tasks from the cursor once their handler has room.

  KEYS[1] due     zset  key -> moment the task becomes claimable
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  KEYS[4] claims  zset  key -> claim number
  KEYS[5] leases  zset  claim number -> lease expiry
  KEYS[6] holders hash  claim number -> instance id
  KEYS[7] seq     string claim counter
  KEYS[8] floor   string lowest score a new due entry may get (due-index.lua)
  ARGV[1] most tasks to claim
  ARGV[2] lease ms
  ARGV[3] cursor score, or "" for none: resume after the cursor member
  ARGV[4] cursor member (a due entry the caller cannot handle)
  ARGV[5] most due entries to inspect
  ARGV[6] the caller's instance id
  ARGV[7] how many limited handlers follow, then per limited handler:
          its room (most tasks this claim may take for it), its pattern count, its patterns
  ARGV[..] then to the end: patterns (Redis glob) the caller has handlers for

  Returns: { Redis' clock in microseconds, soonest future due time or false, cursor score or false,
             cursor member or false, exhausted (1|0), the claim's number,
             last inspected entry's score or false, its member or false,
             held back (1 if a task was passed over because a limited handler was full, else 0),
             then per claimed task 4 values: key, state before the claim (or false), record,
             the due index score it was claimed at (when it became claimable: lateness is measured from it) }
           The cursor is the caller's new one (unchanged when nothing new was passed over).
           The caller derives attempt, recovery flag and finished handlers from the state before.

  NOTE: the reply is kept to raw strings the script already has in hand; turning
  more values per task into a Lua table and a RESP reply is a large part of the
  cost of draining a burst. For the same reason nothing per task turns a number
  into a string (Lua and Redis 7.0 both format doubles with printf).
]]
-- @include clock, record, glob, chunks, due-index, ranks, claims

local now, nowMicros = redisNowMsAndMicros()
local want = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
local cursorScore, cursorMember = ARGV[3], ARGV[4]
local scanLimit = tonumber(ARGV[5])
if indexFloor(KEYS[8], now) == now then redis.call('SET', KEYS[8], now) end

-- The rank the scan starts at: just after the cursor, which may be gone by now (claimed, cancelled).
local start = 0
if cursorScore ~= '' then start = rankAfter(KEYS[1], cursorScore, cursorMember) end

local limits, argi = {}, 8
for _ = 1, tonumber(ARGV[7]) do
  local limit, count = { room = tonumber(ARGV[argi]), matchers = {} }, tonumber(ARGV[argi + 1])
  for j = argi + 2, argi + 1 + count do limit.matchers[#limit.matchers + 1] = globMatcher(ARGV[j]) end
  limits[#limits + 1] = limit
  argi = argi + 2 + count
end

local matchers = {}
for i = argi, #ARGV do matchers[#matchers + 1] = globMatcher(ARGV[i]) end
local function handled(key)
  for _, matcher in ipairs(matchers) do
    if matcher(key) then return true end
  end
  return false
end

-- Takes a place for `key` in every limited handler matching it; false (taking none) if one is full.
local function takeRoom(key)
  local needed = {}
  for _, limit in ipairs(limits) do
    for _, matcher in ipairs(limit.matchers) do
      if matcher(key) then
        if limit.room <= 0 then return false end
        needed[#needed + 1] = limit
        break
      end
    end
  end
  for _, limit in ipairs(needed) do limit.room = limit.room - 1 end
  return true
end

-- Pages of the index from `start`: the first as large as the claim (most due entries match),
-- doubling while entries are passed over, at most scanLimit entries inspected in all. Ranks hold
-- still until the claimed entries are removed at the end.
-- NOTE: due entries hold the ranks below those of future ones, so counting them bounds the pages
-- to due entries: a claim of 1,000 at light load reads the one entry due, not 1,000 (each entry
-- read costs Redis a printf of its score and Lua two strings).
-- Exhausted: nothing due is left behind what was inspected.
local dueAhead = redis.call('ZCOUNT', KEYS[1], '-inf', now) - start
local picked, pickedScores, inspected, exhausted, heldBack = {}, {}, 0, 0, 0
local newCursorScore, newCursorMember = false, false
local lastScore, lastMember = false, false
local pageSize, done = want, dueAhead <= 0
if done then exhausted = 1 end
while not done and inspected < scanLimit do
  local size = math.min(pageSize, scanLimit - inspected, dueAhead - inspected)
  local first = start + inspected
  local entries = redis.call('ZRANGE', KEYS[1], first, first + size - 1, 'WITHSCORES')
  for i = 1, #entries, 2 do
    local key, score = entries[i], tonumber(entries[i + 1])
    if #picked >= want then
      done = true
      break
    end
    inspected = inspected + 1
    -- As for the cursor, entries of the current millisecond are not passed for good.
    if score < now then lastScore, lastMember = entries[i + 1], key end
    if handled(key) then
      if #limits == 0 or takeRoom(key) then
        picked[#picked + 1] = key
        pickedScores[#picked] = entries[i + 1]
      else
        heldBack = 1
      end
    elseif score < now and heldBack == 0 then
      -- Entries of the current millisecond are looked at again next time: a task
      -- written later in this millisecond may still sort before them.
      newCursorScore, newCursorMember = entries[i + 1], key
    end
  end
  if not done then
    if inspected >= dueAhead then
      exhausted, done = 1, true
    elseif #picked >= want then
      done = true
    end
  end
  pageSize = pageSize * 2
end

local result = { nowMicros, false, newCursorScore, newCursorMember, exhausted, 0, lastScore, lastMember, heldBack }

if #picked > 0 then
  local records = hmgetAll(KEYS[2], picked)
  local states = hmgetAll(KEYS[3], picked)
  local claim = tostring(redis.call('INCR', KEYS[7]))
  result[6] = claim
  callChunked('ZREM', KEYS[1], picked)
  local held, histories = {}, {}
  for i, key in ipairs(picked) do
    local record = records[i]
    -- A due entry without a record cannot be delivered; dropping it keeps the index clean.
    if record then
      local state = states[i]
      if state then
        local previousAttempt, _, _, previousDone = parseState(state)
        histories[#histories + 1] = key
        histories[#histories + 1] = formatState(previousAttempt + 1, '', '', previousDone)
      end
      held[#held + 1] = claim
      held[#held + 1] = key
      result[#result + 1] = key
      result[#result + 1] = state or false
      result[#result + 1] = record
      result[#result + 1] = pickedScores[i]
    end
  end
  if #held > 0 then
    keepSkiplist(KEYS[4])
    callChunked('ZADD', KEYS[4], held, 2)
    redis.call('ZADD', KEYS[5], now + lease, claim)
    redis.call('HSET', KEYS[6], claim, ARGV[6])
  end
  callChunked('HSET', KEYS[3], histories, 2)
end

local upcoming = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'LIMIT', 0, 1, 'WITHSCORES')
if upcoming[2] then result[2] = tonumber(upcoming[2]) end
return result
