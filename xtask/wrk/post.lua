-- wrk script of `cargo xtask bench gateway`: POST requests.json, each with
-- its own 250 KB JPEG (a unique comment segment after the start marker, then
-- padding comments: content addressing would otherwise store one photo) and
-- its own Idempotency-Key. Usage: wrk ... -s post.lua URL -- PHOTO_PATH TAG
-- Prints one JSON line when done.

local boundary = "cds-wrk-boundary"
local counter = 0
local tag = "t"
local threads = {}
local head, tail, soi, padding

local function segment(body)
  local n = #body + 2
  return "\255\254" .. string.char(math.floor(n / 256), n % 256) .. body
end

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local photo = file:read("*a")
  file:close()
  tag = args[2] or "t"
  soi = photo:sub(1, 2)
  local rest = photo:sub(3)
  padding = ""
  local room = 250 * 1024 - #photo - 64
  while room > 8 do
    local body = math.min(room, 65000) - 4
    padding = padding .. segment(string.rep(".", body))
    room = room - body - 4
  end
  tail = rest .. "\r\n--" .. boundary .. "--\r\n"
  local fields = {
    {"api_key", "cds-demo-key"}, {"service_code", "pothole"}, {"lat", "16.4637"},
    {"long", "107.5909"}, {"attribute[size]", "large"}, {"description", "Tải thử bằng wrk"},
  }
  head = ""
  for _, f in ipairs(fields) do
    head = head .. "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. f[1]
      .. "\"\r\n\r\n" .. f[2] .. "\r\n"
  end
  head = head .. "--" .. boundary
    .. "\r\nContent-Disposition: form-data; name=\"media\"; filename=\"p.jpg\"\r\n"
    .. "Content-Type: image/jpeg\r\n\r\n"
end

function request()
  counter = counter + 1
  local unique = tag .. "-" .. id .. "-" .. counter
  local body = head .. soi .. segment("cds wrk " .. unique) .. padding .. tail
  return wrk.format("POST", "/open311/v2/requests.json", {
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
    ["Idempotency-Key"] = "wrk-" .. unique,
  }, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"errors":%d,"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f}\n',
    summary.requests, summary.duration / 1e6,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
