--[[
  Acknowledges deliveries whose handlers all succeeded: the task is deleted.
  A claim token that no longer matches (the task was re-scheduled, or taken over
  after its lease ran out) is ignored, so a late acknowledgement never deletes
  a newer task of the same key.

  KEYS[1] tasks   hash  key -> record
  KEYS[2] state   hash  key -> state
  KEYS[3] active  zset  key -> lease expiry
  ARGV[1..] pairs: key, claim token (the claim's state prefix "<attempt>|<token>|")

  Returns: how many were acknowledged.
]]
-- @include record, chunks

local keys = {}
for i = 1, #ARGV, 2 do keys[#keys + 1] = ARGV[i] end
if #keys == 0 then return 0 end

local states = hmgetAll(KEYS[2], keys)
local acked = {}
for i, key in ipairs(keys) do
  if heldBy(states[i], ARGV[i * 2]) then acked[#acked + 1] = key end
end
callChunked('HDEL', KEYS[1], acked)
callChunked('HDEL', KEYS[2], acked)
callChunked('ZREM', KEYS[3], acked)
return #acked
