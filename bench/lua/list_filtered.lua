-- A store's back office looking for the orders that need it: the list filtered by a status set and a
-- `createdAfter` (the query seed.py wrote in list_filtered.txt, first line), its first page and a page deep in
-- it (by a cursor given out for that same filter, second line), in turn.
package.path = package.path .. ";" .. (os.getenv("BENCH_LUA") or "bench/lua") .. "/?.lua"
require "common"

local query, deep
local n = 0
function init(args)
  local file = io.open(os.getenv("BENCH_FILTERED"))
  query = file:read("*l")
  deep = file:read("*l")
  file:close()
end

function request()
  n = n + 1
  if n % 2 == 0 then
    return wrk.format("GET", "/orders?" .. query .. "&limit=20&cursor=" .. deep)
  end
  return wrk.format("GET", "/orders?" .. query .. "&limit=20")
end

function response(status, headers, body)
  count_unexpected(status)
end
