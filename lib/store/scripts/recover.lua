--[[
  Takes over deliveries whose lease ran out (their instance died or stalled):
  each is claimable again now (its record keeps the due time it was scheduled
  for), flagged so its next delivery reports source "recovery"; one that has used up its attempts is dead-lettered instead, so a
  task that always kills its process ends there rather than looping.
  A recurring series' occurrence is never dead-lettered here (that would end
  the series): it is taken over, and the runner gives it up and moves the
  series on once it has used up its attempts.
  Expired claims are taken over key by key, up to the limit; a claim loses
  its lease once it holds nothing. Leases of scripts version 3 and earlier
  (one per key in "active") are taken over too.

  KEYS[1] due     zset  key -> moment the task becomes claimable
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  KEYS[4] claims  zset  key -> claim number
  KEYS[5] leases  zset  claim number -> lease expiry
  KEYS[6] holders hash  claim number -> instance id
  KEYS[7] dead    hash  key -> dead letter
  KEYS[8] floor   string lowest score a new due entry may get (due-index.lua)
  KEYS[9] active  zset  key -> lease expiry, of scripts version 3 and earlier
  ARGV[1] most deliveries to take over
  ARGV[2] module default of maxAttempts
  ARGV[3] error message for dead letters, JSON-encoded
  ARGV[4] wake channel

  Returns: { taken over, dead-lettered }
]]
-- @include clock, wake, record, chunks, due-index, series, claims

local now = redisNowMs()
local limit = tonumber(ARGV[1])

-- The keys to take over: first those of expired claims, then expired leases of older versions.
local inClaims, expiredClaims = {}, {}
for _, claim in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now, 'LIMIT', 0, limit)) do
  if #inClaims >= limit then break end
  expiredClaims[#expiredClaims + 1] = claim
  local held = redis.call('ZRANGEBYSCORE', KEYS[4], claim, claim, 'LIMIT', 0, limit - #inClaims)
  for _, key in ipairs(held) do inClaims[#inClaims + 1] = key end
end
-- Entries an older version made stale (claims.lua) are dropped, not taken over.
-- `expired` and `states` are built side by side: the keys to take over and their states.
local expired, states = {}, {}
local dueScores = zmscoreAll(KEYS[1], inClaims)
local claimStates = hmgetAll(KEYS[3], inClaims)
for i, key in ipairs(inClaims) do
  if not supersededByOlderVersion(dueScores[i], claimStates[i]) then
    expired[#expired + 1] = key
    states[#expired] = claimStates[i]
  end
end
local claimed = #expired
local legacy = {}
if #inClaims < limit then
  legacy = redis.call('ZRANGEBYSCORE', KEYS[9], '-inf', now, 'LIMIT', 0, limit - #inClaims)
  local legacyStates = hmgetAll(KEYS[3], legacy)
  for i, key in ipairs(legacy) do
    expired[#expired + 1] = key
    states[#expired] = legacyStates[i]
  end
end

callChunked('ZREM', KEYS[4], inClaims)
if #expired == 0 then
  for _, claim in ipairs(expiredClaims) do releaseIfEmpty(KEYS[4], KEYS[5], KEYS[6], claim) end
  return { 0, 0 }
end

local soonest = soonestFutureDue(KEYS[1], now)
local claimableAt = indexFloor(KEYS[8], now)
local records = hmgetAll(KEYS[2], expired)
local requeued, dead = 0, 0
for i, key in ipairs(expired) do
  local record = records[i]
  local state = states[i]
  local attempt, _, _, done = parseState(state)
  if i <= claimed then attempt = attemptInFlight(state) end
  if not record then
    redis.call('HDEL', KEYS[3], key)
  elseif attempt >= recordMaxAttempts(record, tonumber(ARGV[2])) and not seriesOf(record) then
    redis.call('HSET', KEYS[7], key, now .. '|' .. attempt .. '|' .. ARGV[3] .. '\n' .. record)
    redis.call('HDEL', KEYS[2], key)
    redis.call('HDEL', KEYS[3], key)
    dead = dead + 1
  else
    redis.call('HSET', KEYS[3], key, formatState(attempt, '', 'r', done))
    redis.call('ZADD', KEYS[1], claimableAt, key)
    requeued = requeued + 1
  end
end
callChunked('ZREM', KEYS[9], legacy)
for _, claim in ipairs(expiredClaims) do releaseIfEmpty(KEYS[4], KEYS[5], KEYS[6], claim) end
if requeued > 0 then wakeIfSooner(ARGV[4], claimableAt, soonest) end
return { requeued, dead }
