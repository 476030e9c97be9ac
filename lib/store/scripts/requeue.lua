--[[
  Makes a dead-lettered task pending again, with a fresh count of attempts.

  KEYS[1] due     zset  key -> moment the task becomes claimable
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  KEYS[4] dead    hash  key -> dead letter "<failedAt>|<attempt>|<error JSON>\n<record>"
  KEYS[5] floor   string lowest score a new due entry may get (due-index.lua)
  ARGV[1] key
  ARGV[2] "d": delay ms from now | "a": epoch ms
  ARGV[3] amount
  ARGV[4] wake channel

  Returns: the new due time, or nil when the key is not dead-lettered.
]]
-- @include clock, wake, record, due-index

local key = ARGV[1]
local letter = redis.call('HGET', KEYS[4], key)
if not letter then return nil end
local record = string.sub(letter, string.find(letter, '\n', 1, true) + 1)
local now = redisNowMs()
local due
if ARGV[2] == 'd' then due = now + tonumber(ARGV[3]) else due = tonumber(ARGV[3]) end
local soonest = soonestFutureDue(KEYS[1], now)
redis.call('HDEL', KEYS[4], key)
redis.call('HDEL', KEYS[3], key)
redis.call('HSET', KEYS[2], key, withDueAt(record, due))
local score = indexScore(due, indexFloor(KEYS[5], now))
redis.call('ZADD', KEYS[1], score, key)
wakeIfSooner(ARGV[4], score, soonest)
return due
