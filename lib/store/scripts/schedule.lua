--[[
  Schedules tasks (upsert). Each key's record and due time are written,
  replacing whatever task of that key exists: pending, in flight (its running
  handler's acknowledgement then no longer applies) or dead-lettered.

  KEYS[1] due     zset  key -> moment the task becomes claimable (ms, Redis clock)
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  KEYS[4] active  zset  key -> lease expiry
  KEYS[5] dead    hash  key -> dead letter
  KEYS[6] floor   string lowest score a new due entry may get (due-index.lua)
  ARGV[1] wake channel
  ARGV[2..] per task, 4 values: key, timing ("d<delay ms>" | "a<epoch ms>"),
            header "<maxAttempts>|<backoff>|", payload JSON ("" for none)

  Returns: the due time of each task, in ARGV order.
]]
-- @include clock, wake, chunks, due-index

local now = redisNowMs()
local soonest = soonestFutureDue(KEYS[1], now)
local floor = indexFloor(KEYS[6], now)
local dues, scores, records, keys = {}, {}, {}, {}
local earliest = nil

for i = 2, #ARGV, 4 do
  local key = ARGV[i]
  local timing = ARGV[i + 1]
  local due = tonumber(string.sub(timing, 2))
  if string.byte(timing, 1) == 100 then due = now + due end -- 'd': a delay from now
  dues[#dues + 1] = due
  keys[#keys + 1] = key
  local score = indexScore(due, floor)
  scores[#scores + 1] = score
  scores[#scores + 1] = key
  records[#records + 1] = key
  records[#records + 1] = ARGV[i + 2] .. due .. '|' .. ARGV[i + 3]
  if earliest == nil or score < earliest then earliest = score end
end

if #keys > 0 then
  callChunked('ZREM', KEYS[4], keys)
  callChunked('HDEL', KEYS[3], keys)
  callChunked('HDEL', KEYS[5], keys)
  callChunked('HSET', KEYS[2], records, 2)
  callChunked('ZADD', KEYS[1], scores, 2)
  wakeIfSooner(ARGV[1], earliest, soonest)
end
return dues
