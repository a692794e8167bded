-- The trivial route: `GET /health/live`, the machine's HTTP limit through the same server and middlewares.
package.path = package.path .. ";" .. (os.getenv("BENCH_LUA") or "bench/lua") .. "/?.lua"
require "common"

function request()
  return wrk.format("GET", "/health/live")
end

function response(status, headers, body)
  count_unexpected(status)
end
