--[[
  Declares a recurring series (repeat, @Recurring at bootstrap): idempotent.
  A series already under the key, pending or running, keeps its occurrence's
  due time (a redeploy does not move it); its record takes the new rule,
  payload and delivery options, which the next occurrence computed from it
  follows. Anything else under the key (a one-off task, pending or in flight,
  or a dead letter) is replaced by the series' first occurrence.

  KEYS[1] due     zset  key -> moment the task becomes claimable
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  KEYS[4] claims  zset  key -> claim number
  KEYS[5] dead    hash  key -> dead letter
  KEYS[6] floor   string lowest score a new due entry may get (due-index.lua)
  KEYS[7] active  zset  key -> lease expiry, of scripts version 3 and earlier
  KEYS[8] leases  zset  claim number -> lease expiry
  KEYS[9] holders hash  claim number -> instance id
  ARGV[1] wake channel
  ARGV[2] key
  ARGV[3] header "<maxAttempts>|<backoff>|"
  ARGV[4] first occurrence, epoch ms (used only when the series is new)
  ARGV[5] extensions (with the series rule) and payload JSON: what follows the due time

  Returns: { due time of the occurrence in force, "new" | "pending" | "active" }
]]
-- @include clock, wake, record, due-index, series, claims

local key = ARGV[2]
local existing = redis.call('HGET', KEYS[2], key)
if existing and seriesOf(existing) then
  local state = false
  if redis.call('ZSCORE', KEYS[1], key) then
    state = 'pending'
  elseif redis.call('ZSCORE', KEYS[4], key) then
    state = 'active'
  end
  if state then
    local due = recordDueAt(existing)
    redis.call('HSET', KEYS[2], key, ARGV[3] .. due .. '|' .. ARGV[5])
    return { due, state }
  end
end

local now = redisNowMs()
local soonest = soonestFutureDue(KEYS[1], now)
local due = tonumber(ARGV[4])
local score = indexScore(due, indexFloor(KEYS[6], now))
local claim = redis.call('ZSCORE', KEYS[4], key)
if claim then
  redis.call('ZREM', KEYS[4], key)
  releaseIfEmpty(KEYS[4], KEYS[8], KEYS[9], claim)
end
redis.call('ZREM', KEYS[7], key)
redis.call('HDEL', KEYS[3], key)
redis.call('HDEL', KEYS[5], key)
redis.call('HSET', KEYS[2], key, ARGV[3] .. due .. '|' .. ARGV[5])
redis.call('ZADD', KEYS[1], score, key)
wakeIfSooner(ARGV[1], score, soonest)
return { due, 'new' }
