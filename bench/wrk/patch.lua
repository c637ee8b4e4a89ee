-- PATCH tasks round-robin from BENCH_IDS (comma-separated), flipping status so every request is a real change.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
wrk.method = "PATCH"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.headers["Content-Type"] = "application/merge-patch+json"
local ids = {}
for id in string.gmatch(os.getenv("BENCH_IDS"), "[^,]+") do ids[#ids + 1] = id end
local counter = 0
function setup(thread) thread:set("offset", math.random(#ids)) end
function request()
  counter = counter + 1
  local id = ids[(counter + (offset or 0)) % #ids + 1]
  local statuses = {"todo", "in_progress", "done"}
  local body = string.format('{"status":"%s","title":"patched %d"}', statuses[counter % 3 + 1], counter)
  return wrk.format(nil, "/api/v1/tasks/" .. id, nil, body)
end
