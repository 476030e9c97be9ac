-- The Redis server's clock in epoch milliseconds.
-- NOTE: due times are judged by this clock, never an app instance's, so
-- instances with skewed clocks neither fire early nor late.
local function redisNowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The same clock in whole milliseconds and in microseconds, from one reading:
-- callers that estimate Redis' time need more than the millisecond.
local function redisNowMsAndMicros()
  local t = redis.call('TIME')
  local micros = tonumber(t[1]) * 1000000 + tonumber(t[2])
  return math.floor(micros / 1000), micros
end
