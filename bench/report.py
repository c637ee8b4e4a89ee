#!/usr/bin/env python3
"""Prints the markdown tables of one or more bench/results/*.json files (used to write BENCHMARKS.md)."""
import json
import sys


def render(r):
    """Prints the tables of one result document."""
    print(f"### {r['backend']} — {r['date']}, commit {r['commit']}\n")
    print(f"`{r['command']}` — {r['machine']['cores']} cores, load before {r['machine']['load_before']:.2f}; "
          f"{r['config']['tasks_of_user']} tasks for the benchmark user; {r['config']['duration_s']} s per run; "
          f"start-up to ready {r.get('startup_to_ready_ms')} ms.\n")
    print("| scenario | rate limits | conns | req/s | % of ceiling | p50 ms | p90 ms | p99 ms | max ms | non-2xx | socket errors "
          "| server CPU % | peak RSS MiB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for x in r.get("ceiling", []) + r["results"]:
        share = x.get("percent_of_ceiling")
        share = f"{share}%" if share is not None else ("100%" if x["scenario"] == "ceiling_json" else "—")
        limits = x.get("rate_limits", "—")
        non2xx = f"{x['non2xx']} ({x['status_5xx']} 5xx, {x['status_429']} 429)" if "status_5xx" in x else f"{x['non2xx']}"
        print(f"| {x['scenario']} | {limits} | {x['connections']} | {x['rps']:.0f} | {share} | {x['p50_ms']:.2f} | {x['p90_ms']:.2f} | "
              f"{x['p99_ms']:.2f} | {x['max_ms']:.1f} | {non2xx} | {x['socket_errors']} | {x['server_cpu_percent']} | "
              f"{x['server_peak_rss_mib']} |")
    if "login_flood" in r:
        f = r["login_flood"]
        print(f"\nLogin flood (64 connections): {f['login']['rps']:.0f} logins/s; meanwhile `GET /health` at 16 connections: "
              f"{f['health']['rps']:.0f} req/s, p50 {f['health']['p50_ms']:.2f} ms, p99 {f['health']['p99_ms']:.2f} ms.")
    if "scale" in r:
        print("\nData scale (16 connections, `limit=20`):\n")
        print("| table | user | case | p50 ms | p99 ms | req/s |")
        print("|---|---|---|---:|---:|---:|")
        for x in r["scale"]:
            print(f"| {x['table']} | {x['user']} | {x['case']} | {x['p50_ms']:.2f} | {x['p99_ms']:.2f} | {x['rps']:.0f} |")
    print()


if __name__ == "__main__":
    for path in sys.argv[1:]:
        render(json.load(open(path)))
