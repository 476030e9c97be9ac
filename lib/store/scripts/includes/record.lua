-- Task record (hash "tasks"): "<maxAttempts>|<backoff>|<dueAt>|<payload>"
--   maxAttempts and backoff are empty when the module's defaults apply.
-- Task state (hash "state"), present once a task was first claimed:
--   "<attempt>|<token>|<flags>|<done>"
--   token: identifies the current claim, "<sequence>@<owner instance id>" (empty
--   while pending); flags: "r" when the next delivery is a recovery; done: JSON
--   array of handlers that succeeded.

local function parseState(state)
  if not state then return 0, '', '', '' end
  local attempt, token, flags, done = string.match(state, '^(%d+)|([^|]*)|([^|]*)|(.*)$')
  return tonumber(attempt), token, flags, done
end

local function formatState(attempt, token, flags, done)
  return attempt .. '|' .. token .. '|' .. flags .. '|' .. done
end

-- Whether a state belongs to the claim that `claimToken` names. Callers name a
-- claim by the state's leading "<attempt>|<token>|", so a plain prefix test
-- settles it without taking the state apart.
local function heldBy(state, claimToken)
  return state and string.find(state, claimToken, 1, true) == 1
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
