--[[
  Moves the due time of a pending task, keeping its payload and attempts.

  KEYS[1] due     zset  key -> due time
  KEYS[2] tasks   hash  key -> record
  ARGV[1] key
  ARGV[2] "d": delay ms from now | "a": epoch ms | "s": shift the current due time by ms
  ARGV[3] amount
  ARGV[4] wake channel

  Returns: the new due time, or nil when the key is not pending.
]]
-- @include clock, wake, record

local key = ARGV[1]
local current = redis.call('ZSCORE', KEYS[1], key)
if not current then return nil end
local now = redisNowMs()
local due
if ARGV[2] == 'd' then
  due = now + tonumber(ARGV[3])
elseif ARGV[2] == 'a' then
  due = tonumber(ARGV[3])
else
  due = tonumber(current) + tonumber(ARGV[3])
end
local soonest = soonestFutureDue(KEYS[1], now)
redis.call('HSET', KEYS[2], key, withDueAt(redis.call('HGET', KEYS[2], key), due))
redis.call('ZADD', KEYS[1], due, key)
wakeIfSooner(ARGV[4], due, soonest)
return due
