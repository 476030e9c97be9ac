--[[
  Acknowledges deliveries whose handlers all succeeded: the task is deleted.
  A claim that no longer holds the key (the task was scheduled again, or taken
  over after its lease ran out) is ignored, so a late acknowledgement never
  deletes a newer task of the same key (claims.lua). A claim left holding
  nothing loses its lease.

  KEYS[1] tasks   hash  key -> record
  KEYS[2] state   hash  key -> state
  KEYS[3] claims  zset  key -> claim number
  KEYS[4] leases  zset  claim number -> lease expiry
  KEYS[5] holders hash  claim number -> instance id
  KEYS[6] due     zset  key -> moment the task becomes claimable
  ARGV[1..] pairs: key, number of the claim that delivered it

  Returns: how many were acknowledged.
]]
-- @include chunks, claims

local keys = {}
for i = 1, #ARGV, 2 do keys[#keys + 1] = ARGV[i] end
if #keys == 0 then return 0 end

local claimedBy = zmscoreAll(KEYS[3], keys)
local dueScores = zmscoreAll(KEYS[6], keys)
local states = hmgetAll(KEYS[2], keys)
local acked, withState, released, claims = {}, {}, {}, {}
for i, key in ipairs(keys) do
  local claim = ARGV[i * 2]
  local held = claimOf(claimedBy[i], claim, dueScores[i], states[i])
  if held then
    released[#released + 1] = key
    claims[claim] = true
  end
  if held == 'held' then
    acked[#acked + 1] = key
    if states[i] then withState[#withState + 1] = key end
  end
end
callChunked('HDEL', KEYS[1], acked)
callChunked('HDEL', KEYS[2], withState)
callChunked('ZREM', KEYS[3], released)
for claim in pairs(claims) do releaseIfEmpty(KEYS[3], KEYS[4], KEYS[5], claim) end
return #acked
