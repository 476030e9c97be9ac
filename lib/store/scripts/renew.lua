--[[
  Extends the leases of claims whose deliveries are still running, so a slow
  live handler is never taken over. A claim whose lease is gone (taken over,
  or left holding nothing) is not renewed.

  KEYS[1] leases  zset  claim number -> lease expiry
  ARGV[1] lease ms
  ARGV[2..] claim numbers

  Returns: how many leases were extended.
]]
-- @include clock, chunks

local leaseUntil = redisNowMs() + tonumber(ARGV[1])
local claims = {}
for i = 2, #ARGV do claims[#claims + 1] = ARGV[i] end
if #claims == 0 then return 0 end

local current = zmscoreAll(KEYS[1], claims)
local leases = {}
for i, claim in ipairs(claims) do
  if current[i] then
    leases[#leases + 1] = leaseUntil
    leases[#leases + 1] = claim
  end
end
callChunked('ZADD', KEYS[1], leases, 2)
return #leases / 2
