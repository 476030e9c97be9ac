--[[
  Ends one occurrence of a recurring series and makes the next one pending,
  in one step: after its handlers succeeded, or when the occurrence is given
  up (failed past its retries or its time slot, stale, out of attempts).
  NOTE: this is the only place the next occurrence is written. Writing it at
  the claim instead would leave nothing to re-deliver when the instance
  running the occurrence dies (or would need two records under one key); here
  a crash leaves the occurrence in flight, its lease runs out, and it is
  taken over like any task: no occurrence is lost, none is written twice.
  Ignored when the claim no longer holds the key (taken over, or replaced).

  KEYS[1] due     zset  key -> moment the task becomes claimable
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  KEYS[4] claims  zset  key -> claim number
  KEYS[5] leases  zset  claim number -> lease expiry
  KEYS[6] holders hash  claim number -> instance id
  KEYS[7] floor   string lowest score a new due entry may get (due-index.lua)
  ARGV[1] key
  ARGV[2] number of the claim that delivered it
  ARGV[3] the series rule the next due time was computed with
  ARGV[4] next occurrence, epoch ms, or "" to end the series
  ARGV[5] wake channel

  Returns: the next occurrence's due time; 0 when the series ended (cancelled
  meanwhile, or no later time); -1 when the rule was re-declared meanwhile
  (nothing written: compute again with the stored rule); nil when the claim
  no longer held the key.
]]
-- @include clock, wake, record, due-index, series, claims

local key = ARGV[1]
local claim = ARGV[2]
local state = redis.call('HGET', KEYS[3], key)
local held = claimOf(redis.call('ZSCORE', KEYS[4], key), claim, redis.call('ZSCORE', KEYS[1], key), state)
if not held then return nil end
if held == 'stale' then
  redis.call('ZREM', KEYS[4], key)
  releaseIfEmpty(KEYS[4], KEYS[5], KEYS[6], claim)
  return nil
end
local record = redis.call('HGET', KEYS[2], key)
if record and ARGV[4] ~= '' and seriesOf(record) ~= ARGV[3] then return -1 end

redis.call('ZREM', KEYS[4], key)
releaseIfEmpty(KEYS[4], KEYS[5], KEYS[6], claim)
redis.call('HDEL', KEYS[3], key)
if not record or ARGV[4] == '' then
  redis.call('HDEL', KEYS[2], key)
  return 0
end
local now = redisNowMs()
local soonest = soonestFutureDue(KEYS[1], now)
local nextDue = tonumber(ARGV[4])
local score = indexScore(nextDue, indexFloor(KEYS[7], now))
redis.call('HSET', KEYS[2], key, withDueAt(record, nextDue))
redis.call('ZADD', KEYS[1], score, key)
wakeIfSooner(ARGV[5], score, soonest)
return nextDue
