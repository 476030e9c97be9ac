--[[
  Schedules tasks (upsert). Each key's record and due time are written,
  replacing whatever task of that key exists: pending, in flight (its running
  handler's acknowledgement then no longer applies) or dead-lettered. A task's
  mode says what to do when the key has a pending task (one in the due index):
  replace it (r), keep it and write nothing (k), or write the new one due at
  the sooner (e) or later (l) of the two due times.

  KEYS[1] due     zset  key -> moment the task becomes claimable (ms, Redis clock)
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  KEYS[4] claims  zset  key -> claim number
  KEYS[5] dead    hash  key -> dead letter
  KEYS[6] floor   string lowest score a new due entry may get (due-index.lua)
  KEYS[7] active  zset  key -> lease expiry, of scripts version 3 and earlier
  KEYS[8] leases  zset  claim number -> lease expiry
  KEYS[9] holders hash  claim number -> instance id
  ARGV[1] wake channel
  ARGV[2..] per task, 5 values: key, timing ("d<delay ms>" | "a<epoch ms>"),
            header "<maxAttempts>|<backoff>|", payload JSON ("" for none),
            mode if the key has a pending task ("r" | "k" | "e" | "l")

  Returns: the due time in force of each task, in ARGV order.
]]
-- @include clock, wake, chunks, due-index, record, claims

local now = redisNowMs()
local soonest = soonestFutureDue(KEYS[1], now)
local floor = indexFloor(KEYS[6], now)
local dues, scores, records, keys = {}, {}, {}, {}
local earliest = nil

-- The due time of the key's pending task, or nil if it has none.
local function pendingDue(key)
  if not redis.call('ZSCORE', KEYS[1], key) then return nil end
  local record = redis.call('HGET', KEYS[2], key)
  return record and recordDueAt(record)
end

for i = 2, #ARGV, 5 do
  local key = ARGV[i]
  local timing = ARGV[i + 1]
  local mode = ARGV[i + 4]
  -- NOTE: the due time is kept as the text it came in wherever it can be, since
  -- each number written out as text costs a printf.
  local dueText = string.sub(timing, 2)
  local due = tonumber(dueText)
  if string.byte(timing, 1) == 100 then -- 'd': a delay from now
    due = now + due
    dueText = tostring(due)
  end
  local current = mode ~= 'r' and pendingDue(key)
  if current and mode == 'k' then
    dues[#dues + 1] = current
  else
    if current and (mode == 'e' and current < due or mode == 'l' and current > due) then
      due = current
      dueText = tostring(due)
    end
    dues[#dues + 1] = due
    keys[#keys + 1] = key
    local score = indexScore(due, floor)
    scores[#scores + 1] = score == due and dueText or score
    scores[#scores + 1] = key
    records[#records + 1] = key
    records[#records + 1] = ARGV[i + 2] .. dueText .. '|' .. ARGV[i + 3]
    if earliest == nil or score < earliest then earliest = score end
  end
end

if #keys > 0 then
  -- Keys in flight are taken from their claims; a claim left holding nothing loses its lease.
  if redis.call('EXISTS', KEYS[4]) == 1 then
    local emptied = {}
    for _, claim in ipairs(zmscoreAll(KEYS[4], keys)) do
      if claim then emptied[claim] = true end
    end
    callChunked('ZREM', KEYS[4], keys)
    for claim in pairs(emptied) do releaseIfEmpty(KEYS[4], KEYS[8], KEYS[9], claim) end
  end
  removeChunked('ZREM', KEYS[7], keys)
  removeChunked('HDEL', KEYS[3], keys)
  removeChunked('HDEL', KEYS[5], keys)
  callChunked('HSET', KEYS[2], records, 2)
  callChunked('ZADD', KEYS[1], scores, 2)
  wakeIfSooner(ARGV[1], earliest, soonest)
end
return dues
