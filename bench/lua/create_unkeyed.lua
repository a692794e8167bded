-- Each request a new valid order without an idempotency key: beside `create`, what a key costs (its claim, held
-- before the side effects, and the stored answer).
package.path = package.path .. ";" .. (os.getenv("BENCH_LUA") or "bench/lua") .. "/?.lua"
require "common"

function request()
  return wrk.format("POST", "/orders", json_headers, order_body)
end

function response(status, headers, body)
  count_unexpected(status)
  count_create(status, headers)
end
