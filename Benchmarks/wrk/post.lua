-- wrk script for Benchmarks/server-load.sh: POSTs the JSON body in the file WRK_BODY.
--   WRK_DELAY_MS  a pause (ms) before each request on a connection: a paced, lower rate
--   WRK_TRACK=1   read every response: count decisions per rule-set version, and count
--                 responses whose body and X-Guard-Rule-Set-Version header disagree
-- done() prints one JSON object on standard output.
local file = assert(io.open(os.getenv("WRK_BODY"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"

local pause = tonumber(os.getenv("WRK_DELAY_MS") or "0")
if pause > 0 then
  function delay() return pause end
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

if os.getenv("WRK_TRACK") == "1" then
  versions = {}
  mismatches = 0
  unparsed = 0
  function response(status, headers, body)
    local header = headers["X-Guard-Rule-Set-Version"]
    local version = body and string.match(body, '"rule_set_version":"(%x+)"')
    if version == nil then
      unparsed = unparsed + 1
      return
    end
    if header ~= version then mismatches = mismatches + 1 end
    local key = version .. ":" .. status
    versions[key] = (versions[key] or 0) + 1
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local out = string.format(
    '{"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d},"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max)
  if os.getenv("WRK_TRACK") == "1" then
    local merged, bad, missing = {}, 0, 0
    for _, thread in ipairs(threads) do
      for key, count in pairs(thread:get("versions")) do
        merged[key] = (merged[key] or 0) + count
      end
      bad = bad + thread:get("mismatches")
      missing = missing + thread:get("unparsed")
    end
    local parts = {}
    for key, count in pairs(merged) do
      table.insert(parts, string.format('"%s":%d', key, count))
    end
    out = out .. string.format(',"versions":{%s},"version_mismatches":%d,"unparsed":%d',
      table.concat(parts, ","), bad, missing)
  end
  io.write(out .. "}\n")
end
