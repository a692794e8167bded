-- Shared by the scenarios: a valid order body, and one machine-readable result line at the end.

order_body = '{"storeId":"store-1","customerId":"customer-1","itemsTotal":100.00,"shippingCost":10.00,'
  .. '"taxAmount":5.00,"totalAmount":115.00,"items":[{"productId":"p-1","quantity":2,"price":25.00},'
  .. '{"productId":"p-2","quantity":1,"price":50.00}]}'

json_headers = { ["Content-Type"] = "application/json" }

-- Statuses a scenario expects besides 2xx (the same-key storm may answer 409 while the first is in flight).
expected = expected or {}
unexpected = 0

function count_unexpected(status)
  if status >= 400 and not expected[status] then
    unexpected = unexpected + 1
  end
end

-- wrk gives each thread its own Lua state; collect their counts in done().
threads = {}
function setup(thread)
  thread:set("seed", tostring(math.random(1, 1e9)))
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local bad = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("unexpected") or 0)
  end
  io.write(string.format("RESULT %d %.0f %.2f %.2f %.2f %d\n",
    summary.requests,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    latency.max / 1000,
    bad))
end
