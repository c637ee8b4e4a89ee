#!/usr/bin/env python3
"""The Swift client's cost next to raw curl for one list call (#19): N runs each of
`docket tasks list --limit 20 --json` (DocketClient through the CLI, with DOCKET_TOKEN) and of
`curl -s GET /api/v1/tasks?limit=20` with the same personal access token, alternating, against one server with
seeded SQLite data on 127.0.0.1. Both are whole processes (start, connect, request, decode, print), so the
difference is what the client and its runtime add to a command-line call; curl's own time_total (the request alone)
is printed too, and `docket version` (the same binary starting and exiting without a request) separates process
start-up from the client's work. Usage: bench/client_overhead.py BINARY [--runs N]. Bounded: N runs, then it stops."""
import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import log, seeded_server_with_token  # noqa: E402


def timed(command, env=None):
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
    elapsed = (time.perf_counter() - started) * 1000
    if result.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()}")
    return elapsed, result.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with seeded_server_with_token(args.binary, "docket-bench-client-", 200, ["tasks:read"]) as (server, pat, work):
        client_env = {"PATH": os.environ.get("PATH", "/usr/bin"), "DOCKET_TOKEN": pat, "DOCKET_URL": server.base,
                      "XDG_CONFIG_HOME": work, "HOME": work}
        client_command = [args.binary, "tasks", "list", "--limit", "20", "--json"]
        curl_command = ["curl", "-s", "-f", "-H", f"Authorization: Bearer {pat}", "-w", "\n%{time_total}",
                        server.base + "/api/v1/tasks?limit=20"]
        timed(client_command, client_env)
        timed(curl_command)
        client, curl, curl_request, startup = [], [], [], []
        for _ in range(args.runs):
            startup.append(timed([args.binary, "version"], client_env)[0])
            client.append(timed(client_command, client_env)[0])
            elapsed, output = timed(curl_command)
            curl.append(elapsed)
            curl_request.append(float(output.rsplit("\n", 1)[1]) * 1000)
        log(f"{args.runs} runs each, medians: docket tasks list {statistics.median(client):.1f} ms, "
            f"curl {statistics.median(curl):.1f} ms (its request alone {statistics.median(curl_request):.2f} ms); "
            f"the client adds {statistics.median(client) - statistics.median(curl):.1f} ms per call "
            f"(p90 {sorted(client)[int(len(client) * 0.9)]:.1f} vs {sorted(curl)[int(len(curl) * 0.9)]:.1f} ms); "
            f"`docket version` alone (process start, no request) {statistics.median(startup):.1f} ms")


if __name__ == "__main__":
    main()
