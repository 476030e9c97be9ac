--[[
  Cancels a pending task. An in-flight task is not pending: it is left alone
  (its handler keeps running) and the call reports false.

  KEYS[1] due     zset  key -> due time
  KEYS[2] tasks   hash  key -> record
  KEYS[3] state   hash  key -> state
  ARGV[1] key

  Returns: 1 if a pending task was removed, else 0.
]]
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
