-- POST /api/v1/tasks as many accounts: BENCH_TOKENS holds one access token per account (comma-separated); each request
-- takes the next account in turn. Counts 5xx and 429 answers apart (a 429 is the default write limit at work).
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS"), "[^,]+") do tokens[#tokens + 1] = token end
local threads = {}
function setup(thread)
  thread:set("offset", #threads * 7)
  threads[#threads + 1] = thread
end
local counter = 0
server_errors = 0
refused = 0
function request()
  counter = counter + 1
  local token = tokens[(counter + (offset or 0)) % #tokens + 1]
  local body = string.format('{"title":"many users %d"}', counter)
  return wrk.format(nil, "/api/v1/tasks", {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 elseif status == 429 then refused = refused + 1 end
end
local report = done
function done(summary, latency, requests)
  local errors, limited = 0, 0
  for _, thread in ipairs(threads) do
    errors = errors + thread:get("server_errors")
    limited = limited + thread:get("refused")
  end
  io.write(string.format('BENCH_STATUS {"status_5xx":%d,"status_429":%d}\n', errors, limited))
  report(summary, latency, requests)
end
