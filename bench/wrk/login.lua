-- POST /api/v1/auth/login with BENCH_EMAIL / BENCH_PASSWORD (rate limits are off in the benchmark config).
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}', os.getenv("BENCH_EMAIL"), os.getenv("BENCH_PASSWORD"))
wrk.path = "/api/v1/auth/login"
