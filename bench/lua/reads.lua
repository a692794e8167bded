-- A read mix: a random seeded order, then store-1's first page, then a deep page of it, in turn (the `get`
-- and `list` scenarios interleaved, so that one run holds both working sets at once).
package.path = package.path .. ";" .. (os.getenv("BENCH_LUA") or "bench/lua") .. "/?.lua"
require "common"

local ids = {}
local deep
local n = 0
function init(args)
  for line in io.lines(os.getenv("BENCH_IDS")) do
    ids[#ids + 1] = line
  end
  deep = io.open(os.getenv("BENCH_CURSOR")):read("*l")
  math.randomseed(tonumber(random_seed))
end

function request()
  n = n + 1
  if n % 3 == 1 then
    return wrk.format("GET", "/orders/" .. ids[math.random(#ids)])
  elseif n % 3 == 2 then
    return wrk.format("GET", "/orders?storeId=store-1&limit=20")
  end
  return wrk.format("GET", "/orders?storeId=store-1&limit=20&cursor=" .. deep)
end

function response(status, headers, body)
  count_unexpected(status)
end
