--[[
  Makes a pending task claimable now, keeping its record (and so the due time
  it was scheduled for): "run it now" from a test or an operator.

  KEYS[1] due     zset  key -> claimable time
  KEYS[2] floor   string lowest score a new due entry may get (due-index.lua)
  ARGV[1] key
  ARGV[2] wake channel

  Returns: the moment it became claimable, or nil when the key is not pending.
]]
-- @include clock, wake, due-index

local key = ARGV[1]
if not redis.call('ZSCORE', KEYS[1], key) then return nil end
local now = redisNowMs()
local soonest = soonestFutureDue(KEYS[1], now)
local claimableAt = indexFloor(KEYS[2], now)
redis.call('ZADD', KEYS[1], claimableAt, key)
wakeIfSooner(ARGV[2], claimableAt, soonest)
return claimableAt
