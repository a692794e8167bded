-- Each request a new valid order with a new idempotency key (unique to this run: see common.lua).
package.path = package.path .. ";" .. (os.getenv("BENCH_LUA") or "bench/lua") .. "/?.lua"
require "common"

local n = 0
function request()
  n = n + 1
  local headers = with_auth({ ["Content-Type"] = "application/json", ["Idempotency-Key"] = seed .. "-" .. n })
  return wrk.format("POST", "/orders", headers, order_body)
end

function response(status, headers, body)
  count_unexpected(status)
  count_create(status, headers)
end
