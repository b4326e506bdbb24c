-- wrk script of `cargo xtask bench gateway`: GET requests/{id}.json over the
-- ids 1..COUNT already stored. Usage: wrk ... -s get.lua URL -- COUNT
-- Prints one JSON line when done.

local count = 1
local counter = 0

function init(args)
  count = tonumber(args[1]) or 1
end

function request()
  counter = counter + 1
  return wrk.format("GET", "/open311/v2/requests/" .. (counter % count + 1) .. ".json")
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"errors":%d,"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f}\n',
    summary.requests, summary.duration / 1e6,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
