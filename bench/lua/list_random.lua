-- A back office paging anywhere in its history: store-1's page of the orders created before a random instant
-- of the seeded span (the instant of one of its seeded ids), so that pages seldom repeat and most of their
-- orders are read from the database rather than from memory (`list` reads two pages again and again).
package.path = package.path .. ";" .. (os.getenv("BENCH_LUA") or "bench/lua") .. "/?.lua"
require "common"

local instants = {}
function init(args)
  for line in io.lines(os.getenv("BENCH_IDS")) do
    -- A UUIDv7 begins with its milliseconds since the epoch, 48 bits in 12 hex digits.
    local ms = tonumber(line:gsub("-", ""):sub(1, 12), 16)
    instants[#instants + 1] = os.date("!%Y-%m-%dT%H:%M:%S", math.floor(ms / 1000)) .. string.format(".%03dZ", ms % 1000)
  end
  math.randomseed(tonumber(random_seed))
end

function request()
  return wrk.format("GET", "/orders?storeId=store-1&limit=20&createdBefore=" .. instants[math.random(#instants)])
end

function response(status, headers, body)
  count_unexpected(status)
end
