#!/usr/bin/env python3
"""MCP tool calls next to the REST call they wrap, in one run: `list_tasks` (limit 20) over /mcp and
GET /api/v1/tasks?limit=20, both with the same personal access token, on a release build with seeded SQLite data,
wrk on 127.0.0.1. Usage: bench/mcp_vs_rest.py BINARY [--duration S] [--connections N ...]. Bounded in time."""
import argparse
import json
import os
import statistics
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import log, run_wrk, seeded_server_with_token, wait_for_idle  # noqa: E402


def open_session(base, token):
    """An MCP session opened by hand (initialize, then initialized); returns its id."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    init = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}}
    request = urllib.request.Request(base + "/mcp", data=json.dumps(init).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        session = response.headers["Mcp-Session-Id"]
        response.read()
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    request = urllib.request.Request(base + "/mcp", data=json.dumps(note).encode(),
                                     headers={**headers, "Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-06-18"}, method="POST")
    urllib.request.urlopen(request, timeout=10).read()
    return session


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with seeded_server_with_token(args.binary, "docket-bench-mcp-", 200, ["tasks:read"]) as (server, pat, _):
        mcp_session = open_session(server.base, pat)
        wrk_env = {"BENCH_TOKEN": pat, "BENCH_SESSION": mcp_session}
        for connections in args.connections:
            rates = {"rest": [], "mcp": []}
            for _ in range(args.rounds):
                for name, script, url in (("rest", "get.lua", server.base + "/api/v1/tasks?limit=20"), ("mcp", "mcp_list.lua", server.base + "/mcp")):
                    wait_for_idle()
                    result = run_wrk(script, url, connections, args.duration, wrk_env)
                    if result["non2xx"] or result["socket_errors"]:
                        log(f"{name} c{connections}: {result['non2xx']} non-2xx, {result['socket_errors']} socket errors")
                    rates[name].append(result["rps"])
            rest, mcp = statistics.median(rates["rest"]), statistics.median(rates["mcp"])
            print(f"c{connections}: GET /api/v1/tasks {rest:.0f} req/s, MCP list_tasks {mcp:.0f} calls/s "
                  f"(ratio {mcp / rest:.2f}; medians of {args.rounds} × {args.duration} s)", flush=True)


if __name__ == "__main__":
    main()
