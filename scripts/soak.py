#!/usr/bin/env python3
"""Soak: a bounded mixed read/write load (wrk on 127.0.0.1) in back-to-back windows, recording RSS, errors and p99
per window, to show memory levels off and latency does not drift. Run through scripts/soak [minutes]."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from docket_node import RAISED_LIMITS, DocketNode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    binary, minutes = sys.argv[1], float(sys.argv[2])
    window = 30
    work = tempfile.mkdtemp(prefix="docket-soak-")
    # Rate limiting on with raised budgets: one account's steady wrk load from one address (see docket_node.py).
    node = DocketNode(binary, work, {"DOCKET_LOG_LEVEL": "warning", **RAISED_LIMITS})
    node.start(wait=False)
    server = node.process
    rows = []
    try:
        base = node.base
        node.wait_ready(30)
        request = urllib.request.Request(base + "/api/v1/auth/register", method="POST", headers={"Content-Type": "application/json"},
                                         data=json.dumps({"email": "soak@example.com", "password": "Soak-Password-1", "name": "S"}).encode())
        token = json.loads(urllib.request.urlopen(request).read())["access_token"]
        ids = []
        for index in range(100):
            create = urllib.request.Request(base + "/api/v1/tasks", method="POST", data=json.dumps({"title": f"soak {index}"}).encode(),
                                            headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
            ids.append(json.loads(urllib.request.urlopen(create).read())["id"])
        env_wrk = {**os.environ, "BENCH_DIR": os.path.join(ROOT, "bench", "wrk"), "BENCH_TOKEN": token, "BENCH_IDS": ",".join(ids)}
        started = time.time()
        while time.time() - started < minutes * 60:
            output = subprocess.run(["wrk", "-t2", "-c32", f"-d{window}s", "--timeout", "5s", "-s",
                                     os.path.join(ROOT, "bench", "wrk", "mix.lua"), base + "/api/v1/tasks"],
                                    env=env_wrk, capture_output=True, text=True, timeout=window + 60).stdout
            result = json.loads(re.search(r"BENCH_JSON (\{.*\})", output).group(1))
            with open(f"/proc/{server.pid}/status") as f:
                rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            row = {"minute": round((time.time() - started) / 60, 1), "rss_mib": round(rss / 1024, 1), "rps": round(result["rps"]),
                   "p99_ms": result["p99_ms"], "errors": result["non2xx"] + result["socket_errors"]}
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)
    first, last = rows[0], rows[-1]
    errors = sum(r["errors"] for r in rows)
    half = len(rows) // 2
    early_p99 = sorted(r["p99_ms"] for r in rows[:half])[half // 2] if half else first["p99_ms"]
    late_p99 = sorted(r["p99_ms"] for r in rows[half:])[(len(rows) - half) // 2]
    print(f"soak: {minutes} min, RSS {first['rss_mib']} MiB after the first window, {last['rss_mib']} MiB at the end, "
          f"peak {max(r['rss_mib'] for r in rows)} MiB; errors {errors}; median window p99 {early_p99} ms (first half) vs "
          f"{late_p99} ms (second half); {sum(r['rps'] for r in rows) // len(rows)} req/s on average")
    grew = last["rss_mib"] - rows[min(2, len(rows) - 1)]["rss_mib"]
    ok = errors == 0 and grew < 32
    print(f"soak: {1 if ok else 0} passed, {0 if ok else 1} failed")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
