-- Random existing orders from the seeded set.
package.path = package.path .. ";" .. (os.getenv("BENCH_LUA") or "bench/lua") .. "/?.lua"
require "common"

local ids = {}
function init(args)
  for line in io.lines(os.getenv("BENCH_IDS")) do
    ids[#ids + 1] = line
  end
  math.randomseed(tonumber(random_seed))
end

function request()
  return wrk.format("GET", "/orders/" .. ids[math.random(#ids)])
end

function response(status, headers, body)
  count_unexpected(status)
end
