--[[
  Moves the due time of a pending task, keeping its payload and attempts. A
  shift moves the due time the task was scheduled for (a retry waiting for its
  backoff is moved from there too).

  KEYS[1] due     zset  key -> moment the task becomes claimable
  KEYS[2] tasks   hash  key -> record
  KEYS[3] floor   string lowest score a new due entry may get (due-index.lua)
  ARGV[1] key
  ARGV[2] "d": delay ms from now | "a": epoch ms | "s": shift the current due time by ms
  ARGV[3] amount
  ARGV[4] wake channel

  Returns: the new due time, or nil when the key is not pending.
]]
-- @include clock, wake, record, due-index

local key = ARGV[1]
if not redis.call('ZSCORE', KEYS[1], key) then return nil end
local record = redis.call('HGET', KEYS[2], key)
local now = redisNowMs()
local due
if ARGV[2] == 'd' then
  due = now + tonumber(ARGV[3])
elseif ARGV[2] == 'a' then
  due = tonumber(ARGV[3])
else
  due = recordDueAt(record) + tonumber(ARGV[3])
end
local soonest = soonestFutureDue(KEYS[1], now)
local score = indexScore(due, indexFloor(KEYS[3], now))
redis.call('HSET', KEYS[2], key, withDueAt(record, due))
redis.call('ZADD', KEYS[1], score, key)
wakeIfSooner(ARGV[4], score, soonest)
return due
