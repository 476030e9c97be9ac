--[[
  Records a failed delivery: either schedules a retry (keeping the list of
  handlers that already succeeded, so they are not run again) or moves the task
  to the dead-letter hash. Ignored when the claim no longer holds the key.
  A retry is indexed at its backoff time; the record keeps the due time the
  task was scheduled for, which every delivery reports.

  KEYS[1] due     zset  key -> moment the task becomes claimable
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  KEYS[4] claims  zset  key -> claim number
  KEYS[5] leases  zset  claim number -> lease expiry
  KEYS[6] holders hash  claim number -> instance id
  KEYS[7] dead    hash  key -> dead letter "<failedAt>|<attempt>|<error JSON>\n<record>"
  KEYS[8] floor   string lowest score a new due entry may get (due-index.lua)
  ARGV[1] key
  ARGV[2] number of the claim that delivered it
  ARGV[3] "retry" | "dead"
  ARGV[4] retry delay ms
  ARGV[5] done: JSON array of handlers that succeeded so far
  ARGV[6] error message, JSON-encoded
  ARGV[7] wake channel

  Returns: the retry's time, 0 when dead-lettered, nil when the claim no longer held the key.
]]
-- @include clock, wake, record, due-index, claims

local key = ARGV[1]
local claim = ARGV[2]
local state = redis.call('HGET', KEYS[3], key)
local held = claimOf(redis.call('ZSCORE', KEYS[4], key), claim, redis.call('ZSCORE', KEYS[1], key), state)
if not held then return nil end
redis.call('ZREM', KEYS[4], key)
releaseIfEmpty(KEYS[4], KEYS[5], KEYS[6], claim)
if held == 'stale' then return nil end
local attempt = attemptInFlight(state)
local record = redis.call('HGET', KEYS[2], key)
local now = redisNowMs()

if ARGV[3] == 'dead' or not record then
  if record then
    redis.call('HSET', KEYS[7], key, now .. '|' .. attempt .. '|' .. ARGV[6] .. '\n' .. record)
  end
  redis.call('HDEL', KEYS[2], key)
  redis.call('HDEL', KEYS[3], key)
  return 0
end

local retryAt = indexScore(now + tonumber(ARGV[4]), indexFloor(KEYS[8], now))
local soonest = soonestFutureDue(KEYS[1], now)
redis.call('HSET', KEYS[3], key, formatState(attempt, '', '', ARGV[5]))
redis.call('ZADD', KEYS[1], retryAt, key)
wakeIfSooner(ARGV[7], retryAt, soonest)
return retryAt
