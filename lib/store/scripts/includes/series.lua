-- A recurring series' rule, stored in its record as the "series" extension
-- (record-extensions.ts): "~<length>~<entries>" after the due time, entries
-- "<tag><value>" joined by newlines, the series tag "r". Series and trace
-- values are ASCII, so the stored length counts bytes here too.
local function seriesOf(record)
  local rest = string.match(record, '^[^|]*|[^|]*|%d+|(.*)$')
  if not rest or string.byte(rest, 1) ~= 126 then return nil end -- '~'
  local length, first = string.match(rest, '^~(%d+)~()')
  if not length then return nil end
  local body = string.sub(rest, first, first + tonumber(length) - 1)
  for entry in string.gmatch(body, '[^\n]+') do
    if string.byte(entry, 1) == 114 then return string.sub(entry, 2) end -- 'r'
  end
  return nil
end
