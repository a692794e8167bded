-- Shared by the scenarios: a valid order body, keys unique to each run, and one machine-readable result line
-- at the end.

order_body = '{"storeId":"store-1","customerId":"customer-1","itemsTotal":100.00,"shippingCost":10.00,'
  .. '"taxAmount":5.00,"totalAmount":115.00,"items":[{"productId":"p-1","quantity":2,"price":25.00},'
  .. '{"productId":"p-2","quantity":1,"price":50.00}]}'

-- The `full` profile's bearer token (BENCH_TOKEN), sent on every request when set.
local token = os.getenv("BENCH_TOKEN")

-- `headers` with the token added (when there is one); scenarios pass their own headers through it.
function with_auth(headers)
  if token and token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  return headers
end

-- wrk.format without headers sends wrk.headers.
with_auth(wrk.headers)

json_headers = with_auth({ ["Content-Type"] = "application/json" })

-- Statuses a scenario expects besides 2xx (the same-key storm may answer 409 while the first is in flight).
expected = expected or {}
unexpected = 0
-- Creates that made a new order, and creates answered from an earlier one (`Idempotent-Replayed: true`).
created = 0
replayed = 0

function count_unexpected(status)
  if status >= 400 and not expected[status] then
    unexpected = unexpected + 1
  end
end

-- Counts the answer to a POST /orders: a new order, or a replay of one made before.
function count_create(status, headers)
  for name, value in pairs(headers) do
    if string.lower(name) == "idempotent-replayed" and value == "true" then
      replayed = replayed + 1
      return
    end
  end
  if status == 201 then
    created = created + 1
  end
end

-- This process's id (wrk's Lua has no getpid; Linux tells it in /proc).
local function pid()
  local stat = io.open("/proc/self/stat")
  if not stat then
    return 0
  end
  local id = stat:read("*n")
  stat:close()
  return id or 0
end

-- A run's keys must never repeat an earlier run's: Lua's random numbers are the same in every process unless
-- seeded, so the run is named by the time, the process, the run name bench/run gives (BENCH_RUN) and the
-- thread, and nothing random is used for it.
run_name = string.format("%s-%d-%d", os.getenv("BENCH_RUN") or "run", os.time(), pid())

-- wrk gives each thread its own Lua state; collect their counts in done().
threads = {}
function setup(thread)
  table.insert(threads, thread)
  -- The main state's name for the run, so that every thread names it alike (the same-key storm needs that).
  thread:set("run_name", run_name)
  thread:set("seed", run_name .. "-t" .. #threads)
  thread:set("random_seed", os.time() + pid() * 1000 + #threads)
end

function done(summary, latency, requests)
  local bad = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  local new, replays = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("unexpected") or 0)
    new = new + (thread:get("created") or 0)
    replays = replays + (thread:get("replayed") or 0)
  end
  local seconds = summary.duration / 1e6
  -- requests, requests/s, p50, p99, max (ms), errors, new orders, new orders/s, replays
  io.write(string.format("RESULT %d %.0f %.2f %.2f %.2f %d %d %.0f %d\n",
    summary.requests,
    summary.requests / seconds,
    latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    latency.max / 1000,
    bad,
    new,
    new / seconds,
    replays))
end
