-- Lua's unpack() fails past about 8,000 values ("too many results to unpack"),
-- so every command that takes a list of unbounded length is sent in chunks.
local CHUNK_VALUES = 1000

-- Calls fn(first, last) over `list` in ranges of at most CHUNK_VALUES values,
-- never splitting a group of `step` values (2 for score/member or field/value pairs).
local function forChunks(list, step, fn)
  local size = CHUNK_VALUES - CHUNK_VALUES % step
  for first = 1, #list, size do
    fn(first, math.min(first + size - 1, #list))
  end
end

-- redis.call(command, key, <list...>) in chunks; for commands whose reply is not needed.
local function callChunked(command, key, list, step)
  forChunks(list, step or 1, function(first, last)
    redis.call(command, key, unpack(list, first, last))
  end)
end

-- A read command (HMGET, ZMSCORE) of any number of fields or members: its
-- replies in their order (false where absent).
local function readAll(command, key, names)
  local values = {}
  forChunks(names, 1, function(first, last)
    local part = redis.call(command, key, unpack(names, first, last))
    for i = 1, #part do values[#values + 1] = part[i] end
  end)
  return values
end

local function hmgetAll(key, fields) return readAll('HMGET', key, fields) end

local function zmscoreAll(key, members) return readAll('ZMSCORE', key, members) end

-- callChunked of a command that only removes, skipped when `key` does not exist.
-- NOTE: scheduling clears a key's old claim, state and dead letter, which most
-- keys have none of; skipping a missing set spares turning every key of the
-- call into a Redis argument.
local function removeChunked(command, key, list)
  if redis.call('EXISTS', key) == 1 then callChunked(command, key, list) end
end
