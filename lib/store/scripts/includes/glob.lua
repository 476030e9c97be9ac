-- Redis' own glob matching (stringmatchlen), byte for byte, so that claiming
-- agrees with routing in lib/pattern/redis-glob.ts.
local byte = string.byte

local function signedByte(b)
  if b > 127 then return b - 256 end
  return b
end

local function globFrom(p, pi, s, si, state)
  local plen, slen = #p, #s
  while pi <= plen and si <= slen do
    local c = byte(p, pi)
    if c == 42 then -- '*'
      while byte(p, pi + 1) == 42 do pi = pi + 1 end
      if pi == plen then return true end
      while si <= slen do
        if globFrom(p, pi + 1, s, si, state) then return true end
        if state.giveUp then return false end
        si = si + 1
      end
      state.giveUp = true
      return false
    elseif c == 63 then -- '?'
      si = si + 1
    elseif c == 91 then -- '['
      pi = pi + 1
      local negate = byte(p, pi) == 94
      if negate then pi = pi + 1 end
      local matched = false
      local target = byte(s, si)
      while true do
        local pc = byte(p, pi)
        if pc == 92 and plen - pi + 1 >= 2 then
          pi = pi + 1
          if byte(p, pi) == target then matched = true end
        elseif pc == 93 then
          break
        elseif pi > plen then
          pi = pi - 1
          break
        elseif plen - pi + 1 >= 3 and byte(p, pi + 1) == 45 then
          local low, high = signedByte(pc), signedByte(byte(p, pi + 2))
          if low > high then low, high = high, low end
          local value = signedByte(target)
          pi = pi + 2
          if value >= low and value <= high then matched = true end
        elseif pc == target then
          matched = true
        end
        pi = pi + 1
      end
      if negate then matched = not matched end
      if not matched then return false end
      si = si + 1
    else
      if c == 92 and plen - pi + 1 >= 2 then
        pi = pi + 1
        c = byte(p, pi)
      end
      if c ~= byte(s, si) then return false end
      si = si + 1
    end
    pi = pi + 1
    if si > slen then
      while byte(p, pi) == 42 do pi = pi + 1 end
      break
    end
  end
  return pi > plen and si > slen
end

local function globMatch(pattern, subject)
  return globFrom(pattern, 1, subject, 1, { giveUp = false })
end

-- A matcher for one pattern. The common shapes ('*', 'order:*') get a plain
-- prefix comparison, which is several times cheaper than the general matcher
-- when a claim inspects a thousand keys.
local function globMatcher(pattern)
  local special = string.find(pattern, '[%*%?%[\\]')
  if special == #pattern and string.sub(pattern, -1) == '*' then
    local prefix = string.sub(pattern, 1, -2)
    return function(subject) return string.find(subject, prefix, 1, true) == 1 end
  end
  return function(subject) return globMatch(pattern, subject) end
end
