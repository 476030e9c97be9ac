--[[
  Records a failed delivery: either schedules a retry (keeping the list of
  handlers that already succeeded, so they are not run again) or moves the task
  to the dead-letter hash. Ignored when the claim token no longer matches.
  A retry is indexed at its backoff time; the record keeps the due time the
  task was scheduled for, which every delivery reports.

  KEYS[1] due     zset  key -> moment the task becomes claimable
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  KEYS[4] active  zset  key -> lease expiry
  KEYS[5] dead    hash  key -> dead letter "<failedAt>|<attempt>|<error JSON>\n<record>"
  KEYS[6] floor   string lowest score a new due entry may get (due-index.lua)
  ARGV[1] key
  ARGV[2] claim token (the claim's state prefix "<attempt>|<token>|")
  ARGV[3] "retry" | "dead"
  ARGV[4] retry delay ms
  ARGV[5] done: JSON array of handlers that succeeded so far
  ARGV[6] error message, JSON-encoded
  ARGV[7] wake channel

  Returns: the retry's time, 0 when dead-lettered, nil when the token did not match.
]]
-- @include clock, wake, record, due-index

local key = ARGV[1]
local state = redis.call('HGET', KEYS[3], key)
if not heldBy(state, ARGV[2]) then return nil end
local attempt = parseState(state)
local record = redis.call('HGET', KEYS[2], key)
local now = redisNowMs()
redis.call('ZREM', KEYS[4], key)

if ARGV[3] == 'dead' or not record then
  if record then
    redis.call('HSET', KEYS[5], key, now .. '|' .. attempt .. '|' .. ARGV[6] .. '\n' .. record)
  end
  redis.call('HDEL', KEYS[2], key)
  redis.call('HDEL', KEYS[3], key)
  return 0
end

local retryAt = indexScore(now + tonumber(ARGV[4]), indexFloor(KEYS[6], now))
local soonest = soonestFutureDue(KEYS[1], now)
redis.call('HSET', KEYS[3], key, formatState(attempt, '', '', ARGV[5]))
redis.call('ZADD', KEYS[1], retryAt, key)
wakeIfSooner(ARGV[7], retryAt, soonest)
return retryAt
