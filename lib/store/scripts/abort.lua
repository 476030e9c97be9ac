--[[
  Cancels a task for good, pending or in flight: `cancel(key, { abort: true })`.
  A pending task is removed as by cancel.lua. An in-flight one is deleted with
  its lease, so neither its acknowledgement nor a failure, a retry or a lease
  takeover can bring it back, and its claim is published on the abort channel:
  the instance running it aborts the delivery's signal.

  KEYS[1] due     zset  key -> moment the task becomes claimable
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  KEYS[4] active  zset  key -> lease expiry
  ARGV[1] key
  ARGV[2] abort channel

  Returns: 1 if a pending task was removed, 2 if an in-flight one was stopped, else 0.
]]
-- @include record

local key = ARGV[1]
if redis.call('ZREM', KEYS[1], key) == 1 then
  redis.call('HDEL', KEYS[2], key)
  redis.call('HDEL', KEYS[3], key)
  return 1
end
if redis.call('ZREM', KEYS[4], key) == 0 then return 0 end
local state = redis.call('HGET', KEYS[3], key)
redis.call('HDEL', KEYS[2], key)
redis.call('HDEL', KEYS[3], key)
local attempt, token = parseState(state)
-- The message is the claim's state prefix and the key: what the running instance knows it by.
if token ~= '' then redis.call('PUBLISH', ARGV[2], attempt .. '|' .. token .. '|' .. key) end
return 2
