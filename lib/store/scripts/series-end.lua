--[[
  Ends a recurring series (cancel): a pending occurrence is removed; a running
  one finishes its handlers, but its record is deleted, so no next occurrence
  is written after it (series-advance.lua finds no record). A one-off task in
  flight is left alone.

  KEYS[1] due     zset  key -> moment the task becomes claimable
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  KEYS[4] claims  zset  key -> claim number
  ARGV[1] key

  Returns: 1 if a series (or a pending task) was ended, else 0.
]]
-- @include series

local key = ARGV[1]
if redis.call('ZREM', KEYS[1], key) == 1 then
  redis.call('HDEL', KEYS[2], key)
  redis.call('HDEL', KEYS[3], key)
  return 1
end
local record = redis.call('HGET', KEYS[2], key)
if not record or not seriesOf(record) or not redis.call('ZSCORE', KEYS[4], key) then return 0 end
redis.call('HDEL', KEYS[2], key)
return 1
