-- POST /api/v1/tasks with a fresh title each time.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.headers["Content-Type"] = "application/json"
local counter = 0
function request()
  counter = counter + 1
  local body = string.format('{"title":"bench task %d","priority":"high","due_date":"2027-03-%02d"}', counter, counter % 28 + 1)
  return wrk.format(nil, "/api/v1/tasks", nil, body)
end
