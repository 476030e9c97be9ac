--[[
  Extends the leases of deliveries still running, so a slow live handler is
  never taken over. A claim token that no longer matches is not renewed.

  KEYS[1] state   hash  key -> state
  KEYS[2] active  zset  key -> lease expiry
  ARGV[1] lease ms
  ARGV[2..] pairs: key, claim token (the claim's state prefix "<attempt>|<token>|")

  Returns: how many leases were extended.
]]
-- @include clock, record, chunks

local leaseUntil = redisNowMs() + tonumber(ARGV[1])
local keys = {}
for i = 2, #ARGV, 2 do keys[#keys + 1] = ARGV[i] end
if #keys == 0 then return 0 end

local states = hmgetAll(KEYS[1], keys)
local leases = {}
for i, key in ipairs(keys) do
  if heldBy(states[i], ARGV[i * 2 + 1]) then
    leases[#leases + 1] = leaseUntil
    leases[#leases + 1] = key
  end
end
forChunks(leases, 2, function(first, last)
  redis.call('ZADD', KEYS[2], 'XX', unpack(leases, first, last))
end)
return #leases / 2
