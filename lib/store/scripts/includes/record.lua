-- Task record (hash "tasks"): "<maxAttempts>|<backoff>|<dueAt>|<payload>"
--   maxAttempts and backoff are empty when the module's defaults apply.
-- Task state (hash "state"), written once a task has a history (claims.lua):
--   "<attempt>|<token>|<flags>|<done>"
--   attempt: deliveries started so far; token: empty (scripts version 3 and
--   earlier wrote their claim token here); flags: "r" when the next delivery
--   is a recovery; done: JSON array of handlers that succeeded.

local function parseState(state)
  if not state then return 0, '', '', '' end
  local attempt, token, flags, done = string.match(state, '^(%d+)|([^|]*)|([^|]*)|(.*)$')
  return tonumber(attempt), token, flags, done
end

local function formatState(attempt, token, flags, done)
  return attempt .. '|' .. token .. '|' .. flags .. '|' .. done
end

local function recordMaxAttempts(record, default)
  local max = string.match(record, '^(%d*)|')
  if max == nil or max == '' then return default end
  return tonumber(max)
end

local function withDueAt(record, due)
  return (string.gsub(record, '^([^|]*|[^|]*|)%d+|', '%1' .. due .. '|', 1))
end

local function recordDueAt(record)
  return tonumber(string.match(record, '^[^|]*|[^|]*|(%d+)|'))
end
