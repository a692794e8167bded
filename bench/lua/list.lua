-- A store's back office: its first page, and a page deep in its history (by cursor), in turn.
package.path = package.path .. ";" .. (os.getenv("BENCH_LUA") or "bench/lua") .. "/?.lua"
require "common"

local deep
local n = 0
function init(args)
  deep = io.open(os.getenv("BENCH_CURSOR")):read("*l")
end

function request()
  n = n + 1
  if n % 2 == 0 then
    return wrk.format("GET", "/orders?storeId=store-1&limit=20&cursor=" .. deep)
  end
  return wrk.format("GET", "/orders?storeId=store-1&limit=20")
end

function response(status, headers, body)
  count_unexpected(status)
end
