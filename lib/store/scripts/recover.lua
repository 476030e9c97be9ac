--[[
  Takes over deliveries whose lease ran out (their instance died or stalled):
  each is claimable again now (its record keeps the due time it was scheduled
  for), flagged so its next delivery reports source "recovery"; one that has used up its attempts is dead-lettered instead, so a
  task that always kills its process ends there rather than looping.
  A recurring series' occurrence is never dead-lettered here (that would end
  the series): it is taken over, and the runner gives it up and moves the
  series on once it has used up its attempts.

  KEYS[1] due     zset  key -> moment the task becomes claimable
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  KEYS[4] active  zset  key -> lease expiry
  KEYS[5] dead    hash  key -> dead letter
  KEYS[6] floor   string lowest score a new due entry may get (due-index.lua)
  ARGV[1] most leases to take over
  ARGV[2] module default of maxAttempts
  ARGV[3] error message for dead letters, JSON-encoded
  ARGV[4] wake channel

  Returns: { taken over, dead-lettered }
]]
-- @include clock, wake, record, chunks, due-index, series

local now = redisNowMs()
local expired = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
if #expired == 0 then return { 0, 0 } end

local soonest = soonestFutureDue(KEYS[1], now)
local claimableAt = indexFloor(KEYS[6], now)
local records = hmgetAll(KEYS[2], expired)
local states = hmgetAll(KEYS[3], expired)
local requeued, dead = 0, 0
for i, key in ipairs(expired) do
  local record = records[i]
  local attempt, _, _, done = parseState(states[i])
  if not record then
    redis.call('HDEL', KEYS[3], key)
  elseif attempt >= recordMaxAttempts(record, tonumber(ARGV[2])) and not seriesOf(record) then
    redis.call('HSET', KEYS[5], key, now .. '|' .. attempt .. '|' .. ARGV[3] .. '\n' .. record)
    redis.call('HDEL', KEYS[2], key)
    redis.call('HDEL', KEYS[3], key)
    dead = dead + 1
  else
    redis.call('HSET', KEYS[3], key, formatState(attempt, '', 'r', done))
    redis.call('ZADD', KEYS[1], claimableAt, key)
    requeued = requeued + 1
  end
end
callChunked('ZREM', KEYS[4], expired)
if requeued > 0 then wakeIfSooner(ARGV[4], claimableAt, soonest) end
return { requeued, dead }
