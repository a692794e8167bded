-- Each order through its life: create -> pay -> ship -> deliver. A response queues the order's next step;
-- a connection with no step waiting starts a new order.
package.path = package.path .. ";" .. (os.getenv("BENCH_LUA") or "bench/lua") .. "/?.lua"
require "common"

local next_steps = {}
local n = 0

local function put(id, path, body)
  return wrk.format("PUT", "/orders/" .. id .. path, json_headers, body)
end

function request()
  local step = table.remove(next_steps)
  if step then
    return step
  end
  n = n + 1
  local headers = with_auth({ ["Content-Type"] = "application/json", ["Idempotency-Key"] = "life-" .. seed .. "-" .. n })
  return wrk.format("POST", "/orders", headers, order_body)
end

function response(status, headers, body)
  count_unexpected(status)
  if status == 201 then
    count_create(status, headers)
  end
  if status >= 300 then
    return
  end
  local id = body:match('"id":"([%x%-]+)"')
  local current = body:match('"status":"(%a+)"')
  if current == "pending" then
    next_steps[#next_steps + 1] = put(id, "/payment", '{"method":"visa","amount":115.00}')
  elseif current == "processing" then
    next_steps[#next_steps + 1] = put(id, "/shipment/tracking", '{"carrier":"UPS","trackingNumber":"1Z' .. n .. '"}')
  elseif current == "shipped" then
    next_steps[#next_steps + 1] = put(id, "/status", '{"status":"delivered"}')
  end
end
