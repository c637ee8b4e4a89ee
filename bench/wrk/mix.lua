-- 80% reads (list first page, get by id) and 20% writes (create, patch).
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
local token = "Bearer " .. os.getenv("BENCH_TOKEN")
local ids = {}
for id in string.gmatch(os.getenv("BENCH_IDS"), "[^,]+") do ids[#ids + 1] = id end
local counter = 0
function request()
  counter = counter + 1
  local roll = counter % 10
  local id = ids[counter % #ids + 1]
  if roll < 4 then
    return wrk.format("GET", "/api/v1/tasks?limit=20", {["Authorization"] = token})
  elseif roll < 8 then
    return wrk.format("GET", "/api/v1/tasks/" .. id, {["Authorization"] = token})
  elseif roll == 8 then
    local body = string.format('{"title":"mixed %d"}', counter)
    return wrk.format("POST", "/api/v1/tasks", {["Authorization"] = token, ["Content-Type"] = "application/json"}, body)
  else
    local body = string.format('{"title":"mixed patch %d"}', counter)
    return wrk.format("PATCH", "/api/v1/tasks/" .. id, {["Authorization"] = token, ["Content-Type"] = "application/json"}, body)
  end
end
