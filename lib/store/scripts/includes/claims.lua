-- Deliveries in flight (scripts version 4). Each run of claim.lua is one claim,
-- numbered by the shard's counter "seq"; zset "claims" maps every key in flight
-- to the number of the claim holding it, zset "leases" every claim number to
-- its lease expiry, and hash "holders" every claim number to the id of the
-- instance that made it. A task's state (hash "state") is written only once it
-- has a history: a failed attempt, a takeover, handlers that already succeeded.
-- NOTE: one lease per claim, not per task, and no state for a first attempt:
-- a claim of 100 tasks writes two lease entries instead of 200, and renewing
-- it rewrites one. A claim number is compared as the string Redis replies for
-- an integer score, never turned into a Lua number and back (printf and strtod
-- are a large part of a script's cost).

-- A member of "claims" that is no key in flight (score 0; claim numbers start at
-- 1), longer than zset-max-listpack-value (64 bytes by default).
-- NOTE: it keeps "claims" in its skiplist encoding for good. A set of up to
-- 128 entries (zset-max-listpack-entries) is otherwise a listpack, where every
-- ZADD, ZREM and ZMSCORE scans the whole set: at `concurrency` 50 that cost
-- 1.8-1.9 µs per delivered task in ZADD alone, against 0.4-0.5 µs with the keeper.
-- Whoever counts or lists the claims starts at score 1.
local SKIPLIST_KEEPER = '(keeps this set in its skiplist encoding: see claims.lua) ' .. string.rep('~', 70)

local function keepSkiplist(claimsKey)
  redis.call('ZADD', claimsKey, 'NX', 0, SKIPLIST_KEEPER)
end

-- What claim `claim` has of a key, from the key's score in "claims", its score
-- in "due" and its state: "held"; "stale" when "claims" still names the claim
-- but the key was scheduled again (it is pending) or claimed since (its state
-- carries a token) by scripts version 3 or earlier, which knew nothing of
-- "claims" (the entry is to be dropped, nothing else touched); nil otherwise.
local function supersededByOlderVersion(dueScore, state)
  if dueScore then return true end
  if not state then return false end
  return string.match(state, '^%d+||') == nil
end

local function claimOf(claimedBy, claim, dueScore, state)
  if claimedBy ~= claim then return nil end
  if supersededByOlderVersion(dueScore, state) then return 'stale' end
  return 'held'
end

-- The attempt a task in flight is on: its state's, or 1 (a first attempt has none).
local function attemptInFlight(state)
  if not state then return 1 end
  return tonumber(string.match(state, '^(%d+)|'))
end

-- Drops a claim's lease once no key is held by it any more.
local function releaseIfEmpty(claimsKey, leasesKey, holdersKey, claim)
  if redis.call('ZCOUNT', claimsKey, claim, claim) == 0 then
    redis.call('ZREM', leasesKey, claim)
    redis.call('HDEL', holdersKey, claim)
  end
end
