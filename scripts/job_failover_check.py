#!/usr/bin/env python3
"""A bulk update of 500 tasks started by an agent over MCP survives `kill -9` of the node running it: two Docket nodes
on one PostgreSQL (all on 127.0.0.1); the job starts on node A, A is killed mid-job, node B takes the job over once A's
lease expires and finishes it; every task is changed exactly once. Bounded in time; stops everything it starts."""
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from docket_node import DocketNode, free_port  # noqa: E402
from multinode_check import ROOT, http  # noqa: E402

results = {"passed": 0, "failed": 0}


def check(condition, message):
    print(("  ok   " if condition else "  FAIL ") + message, flush=True)
    results["passed" if condition else "failed"] += 1


async def start_bulk_update(port, token):
    http_client = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http_client), mode="auto") as agent:
        result = await agent.call_tool("bulk_update_tasks", {"shift_due_days": 1})
        return result.structuredContent if hasattr(result, "structuredContent") else result.structured_content


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="docket-failover-")
    os.chmod(work, 0o755)
    processes = []
    try:
        admin = subprocess.run([os.path.join(ROOT, "scripts", "postgres-cluster"), "start", os.path.join(work, "pg")],
                               capture_output=True, text=True, check=True).stdout.strip()
        subprocess.run(["psql", admin, "-qc", "CREATE DATABASE docket_failover"], check=True, capture_output=True)
        common = {"DATABASE_URL": admin.rsplit("/", 1)[0] + "/docket_failover", "DOCKET_JWT_KEYS_FILE": os.path.join(work, "keys.json"),
                  "DOCKET_LOG_LEVEL": "info", "DOCKET_ARGON2_MEMORY_KIB": "4096", "DOCKET_ARGON2_ITERATIONS": "1",
                  # Small steps with a pause between them keep the job running long enough to kill its node mid-way.
                  "DOCKET_JOB_LEASE": "3", "DOCKET_JOB_BATCH_SIZE": "10", "DOCKET_JOB_STEP_PAUSE": "100",
                  "DOCKET_JOB_POLL_INTERVAL": "200", "DOCKET_RATE_LIMIT_TOKEN": "100000/60"}
        subprocess.run([binary, "keys", "rotate"], env={**os.environ, **common, "DOCKET_DATA_DIR": work}, check=True, capture_output=True)
        subprocess.run([binary, "migrate", "up"], env={**os.environ, **common, "DOCKET_DATA_DIR": work}, check=True, capture_output=True)

        def start(name):
            port = free_port()
            node = DocketNode(binary, os.path.join(work, name), {**common, "DOCKET_AUTO_MIGRATE": "false"}, port=port, log_name="node.log")
            node.start(wait=False)
            processes.append(node.process)
            node.wait_ready(60)
            return port, node.process

        port_a, node_a = start("node-a")
        _, session = http(port_a, "POST", "/api/v1/auth/register", {"email": "agent@example.com", "password": "Failover-Pass-1", "name": "A"})
        token = session["access_token"]
        rows = [{"title": f"task {index}", "due_date": "2026-03-01"} for index in range(500)]
        status, job = http(port_a, "POST", "/api/v1/tasks/import", {"tasks": rows}, token=token)
        deadline = time.time() + 120
        while job["state"] not in ("succeeded", "failed") and time.time() < deadline:
            time.sleep(0.2)
            job = http(port_a, "GET", f"/api/v1/jobs/{job['id']}", token=token)[1]
        check(status == 202 and job["state"] == "succeeded", "500 tasks imported through a job")
        _, pat = http(port_a, "POST", "/api/v1/tokens", {"name": "agent", "scopes": ["tasks:read", "tasks:write"]}, token=token)

        bulk = asyncio.run(start_bulk_update(port_a, pat["token"]))
        check(bulk["kind"] == "bulk_update_tasks", "an agent starts a bulk update of the 500 tasks over MCP on node A")
        port_b, _ = start("node-b")
        progress = 0
        deadline = time.time() + 60
        while progress < 50 and time.time() < deadline:
            state = http(port_b, "GET", f"/api/v1/jobs/{bulk['id']}", token=token)[1]
            progress = state["progress"]["done"]
            time.sleep(0.05)
        node_a.send_signal(signal.SIGKILL)
        node_a.wait()
        check(0 < progress < 500, f"node A is killed with -9 mid-job (progress {progress}/500)")

        deadline = time.time() + 120
        seen = []
        while time.time() < deadline:
            state = http(port_b, "GET", f"/api/v1/jobs/{bulk['id']}", token=token)[1]
            seen.append(state["progress"]["done"])
            if state["state"] in ("succeeded", "failed", "cancelled"):
                break
            time.sleep(0.2)
        check(state["state"] == "succeeded" and state["attempts"] == 2, f"node B takes the job over and finishes it ({state['state']}, attempt {state['attempts']})")
        check(state["result"] == {"matched": 500, "updated": 500}, f"the result counts every task once: {state['result']}")
        check(seen == sorted(seen), "progress only moves forward")
        tasks, cursor = [], None
        while True:
            suffix = f"&cursor={cursor}" if cursor else ""
            page = http(port_b, "GET", f"/api/v1/tasks?limit=100{suffix}", token=token)[1]
            tasks += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                break
        check(len(tasks) == 500 and all(t["due_date"] == "2026-03-02" and t["version"] == 2 for t in tasks),
              "every task moved by exactly one day (none twice, none skipped)")
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        subprocess.run([os.path.join(ROOT, "scripts", "postgres-cluster"), "stop", os.path.join(work, "pg")], capture_output=True)
        if results["failed"]:
            for name in ("node-a", "node-b"):
                path = os.path.join(work, name, "node.log")
                if os.path.exists(path):
                    print(f"--- {name}\n" + open(path).read()[-2000:])
        shutil.rmtree(work, ignore_errors=True)
    print(f"job-failover: {results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
