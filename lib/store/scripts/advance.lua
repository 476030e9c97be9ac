--[[
  Testing only (nestjs-delay-task/testing): moves the due times of a chunk of a
  shard's pending tasks earlier, as if that much time had passed. Scores all
  move by the same amount, so the order and the ranks of the entries stay as
  they were and the caller walks the index by rank.

  KEYS[1] due     zset  key -> claimable time
  KEYS[2] tasks   hash  key -> record
  ARGV[1] ms to move earlier
  ARGV[2] rank of the chunk's first entry
  ARGV[3] entries in the chunk

  Returns: entries moved (fewer than asked: the end of the index).
]]
-- @include record

local ms = tonumber(ARGV[1])
local first = tonumber(ARGV[2])
local entries = redis.call('ZRANGE', KEYS[1], first, first + tonumber(ARGV[3]) - 1, 'WITHSCORES')
for i = 1, #entries, 2 do
  local key = entries[i]
  redis.call('ZADD', KEYS[1], tonumber(entries[i + 1]) - ms, key)
  local record = redis.call('HGET', KEYS[2], key)
  if record then redis.call('HSET', KEYS[2], key, withDueAt(record, recordDueAt(record) - ms)) end
end
return #entries / 2
