--[[
  Cancels the pending tasks of a shard whose keys match a Redis glob, walking
  the due index from a cursor and inspecting a bounded number of entries per
  call; the caller calls again from the returned cursor until done.

  KEYS[1] due     zset  key -> claimable time
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  ARGV[1] cursor score, or "" to start at the beginning
  ARGV[2] cursor member: the walk resumes after (cursor score, cursor member)
  ARGV[3] most entries to inspect
  ARGV[4] pattern (Redis glob)

  Returns: { cancelled, done (1 at the end of the index), cursor score or false, cursor member or false }
]]
-- @include glob, ranks, chunks

local due = KEYS[1]
local scanLimit = tonumber(ARGV[3])
local matches = globMatcher(ARGV[4])
local start = 0
if ARGV[1] ~= '' then start = rankAfter(due, ARGV[1], ARGV[2]) end

local entries = redis.call('ZRANGE', due, start, start + scanLimit - 1, 'WITHSCORES')
local doomed = {}
for i = 1, #entries, 2 do
  if matches(entries[i]) then doomed[#doomed + 1] = entries[i] end
end
callChunked('ZREM', due, doomed)
callChunked('HDEL', KEYS[2], doomed)
callChunked('HDEL', KEYS[3], doomed)

local done = #entries < scanLimit * 2 and 1 or 0
return { #doomed, done, entries[#entries] or false, entries[#entries - 1] or false }
