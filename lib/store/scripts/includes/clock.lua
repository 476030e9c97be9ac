-- The Redis server's clock in epoch milliseconds.
-- NOTE: due times are judged by this clock, never an app instance's, so
-- instances with skewed clocks neither fire early nor late.
local function redisNowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
