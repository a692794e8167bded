-- The same-key storm: every request retries one create; all but the first are replays (or 409 in flight).
package.path = package.path .. ";" .. (os.getenv("BENCH_LUA") or "bench/lua") .. "/?.lua"
expected = { [409] = true }
require "common"

function request()
  local headers = with_auth({ ["Content-Type"] = "application/json", ["Idempotency-Key"] = "storm-" .. run_name })
  return wrk.format("POST", "/orders", headers, order_body)
end

function response(status, headers, body)
  count_unexpected(status)
  count_create(status, headers)
end
