--[[
  Cancels a task for good, pending or in flight: `cancel(key, { abort: true })`.
  A pending task is removed as by cancel.lua. An in-flight one is deleted with
  its lease, so neither its acknowledgement nor a failure, a retry or a lease
  takeover can bring it back, and its claim is published on the abort channel:
  the instance running it aborts the delivery's signal.

  KEYS[1] due     zset  key -> moment the task becomes claimable
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  KEYS[4] claims  zset  key -> claim number
  KEYS[5] leases  zset  claim number -> lease expiry
  KEYS[6] holders hash  claim number -> instance id
  ARGV[1] key
  ARGV[2] abort channel

  Returns: 1 if a pending task was removed, 2 if an in-flight one was stopped, else 0.
]]
-- @include claims

local key = ARGV[1]
if redis.call('ZREM', KEYS[1], key) == 1 then
  redis.call('HDEL', KEYS[2], key)
  redis.call('HDEL', KEYS[3], key)
  return 1
end
local claim = redis.call('ZSCORE', KEYS[4], key)
if not claim then return 0 end
redis.call('ZREM', KEYS[4], key)
releaseIfEmpty(KEYS[4], KEYS[5], KEYS[6], claim)
redis.call('HDEL', KEYS[2], key)
redis.call('HDEL', KEYS[3], key)
-- The message is the claim's number and the key: what the running instance knows it by.
redis.call('PUBLISH', ARGV[2], claim .. '|' .. key)
return 2
