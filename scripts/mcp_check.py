#!/usr/bin/env python3
"""Drives Docket's /mcp with the official Python MCP SDK (PyPI `mcp`), as a stock agent would, against a live server on
127.0.0.1 (SQLite): tools over Streamable HTTP, scopes, isolation, revocation, a bulk update as a job, DNS-rebinding
protection, and the tool-call throughput next to REST's. Prints 'N passed, N failed'; exits non-zero on a failure."""
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from docket_node import RAISED_LIMITS, DocketNode
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

results = {"passed": 0, "failed": 0}


def check(condition, message):
    print(("  ok   " if condition else "  FAIL ") + message, flush=True)
    results["passed" if condition else "failed"] += 1


def http(base, method, path, body=None, token=None, headers=None):
    """A REST or raw request: (status, headers, parsed JSON or text)."""
    data = json.dumps(body).encode() if body is not None else None
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            status, got = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        status, got = error.code, dict(error.headers)
    try:
        return status, got, json.loads(text)
    except ValueError:
        return status, got, text


def client(base, token):
    """An MCP client speaking Streamable HTTP with a bearer token, negotiating as a stock client does (mode auto)."""
    http_client = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    return Client(streamable_http_client(base + "/mcp", http_client=http_client), mode="auto")


def structured(result):
    return result.structuredContent if hasattr(result, "structuredContent") else result.structured_content


def is_error(result):
    return bool(result.isError if hasattr(result, "isError") else result.is_error)


def text(result):
    return " ".join(getattr(item, "text", "") for item in result.content)


async def scenario(base, alice, alice_pat, reader_pat, bob_pat, doomed_pat):
    async with client(base, alice_pat) as agent:
        print(f"  negotiated protocol version: {agent.protocol_version}")
        check(agent.server_info.name == "docket", "initialize names the server docket")
        names = [tool.name for tool in (await agent.list_tools()).tools]
        check(len(names) == 12 and "list_tasks" in names and "bulk_update_tasks" in names, f"a full token sees every tool ({len(names)})")
        created = await agent.call_tool("create_task", {"title": "Written by an agent", "priority": "high", "due_date": "2026-12-24"})
        task = structured(created)
        check(not is_error(created) and task["title"] == "Written by an agent" and task["version"] == 1, "create_task creates a task")
        listed = structured(await agent.call_tool("list_tasks", {"priority": ["high"]}))
        check([item["id"] for item in listed["items"]] == [task["id"]], "list_tasks filters like the REST listing")
        updated = structured(await agent.call_tool("update_task", {"id": task["id"], "description": "with notes", "expected_version": 1}))
        check(updated["description"] == "with notes" and updated["version"] == 2, "update_task changes fields, honouring expected_version")
        stale = await agent.call_tool("update_task", {"id": task["id"], "title": "x", "expected_version": 1})
        check(is_error(stale) and "Precondition failed" in text(stale), "a stale expected_version is a tool error, not a transport failure")
        done = structured(await agent.call_tool("complete_task", {"id": task["id"]}))
        check(done["status"] == "done" and done["completed_at"], "complete_task completes it")
        found = structured(await agent.call_tool("search_tasks", {"query": "AGENT"}))
        check(len(found["items"]) == 1, "search_tasks finds by text, case-insensitively")
        summary = await agent.call_tool("summarize_workload", {})
        check(structured(summary)["total"] == 1 and structured(summary)["by_status"] == {"done": 1}, "summarize_workload counts")
        unknown = await agent.call_tool("create_task", {"title": "x", "color": "red"})
        blank = await agent.call_tool("create_task", {"title": " "})
        check(is_error(unknown) and "/color" in text(unknown) and structured(unknown)["status"] == 422,
              "an unknown argument is a tool error carrying a 422 problem that names it")
        check(is_error(blank) and "/title" in text(blank), "an invalid value is a tool error naming the field")
        for index in range(30):
            await agent.call_tool("create_task", {"title": f"batch {index}", "priority": "low"})
        job = structured(await agent.call_tool("bulk_update_tasks", {"filter": {"priority": ["low"]}, "set_priority": "medium"}))
        check(job["kind"] == "bulk_update_tasks" and job["state"] in ("queued", "running", "succeeded"), "bulk_update_tasks returns a job at once")
        for _ in range(200):
            state = structured(await agent.call_tool("get_job", {"id": job["id"]}))
            if state["state"] in ("succeeded", "failed", "cancelled"):
                break
            await asyncio.sleep(0.05)
        check(state["state"] == "succeeded" and json.loads(state["result"]) == {"matched": 30, "updated": 30}, "get_job follows it to its result")
        templates = (await agent.list_resource_templates()).resource_templates
        check([t.uri_template for t in templates] == ["docket://tasks/{id}"], "a resource template names tasks by id")
        read = await agent.read_resource(f"docket://tasks/{task['id']}")
        check(json.loads(read.contents[0].text)["id"] == task["id"], "reading docket://tasks/{id} gives the task")
        open_tasks = json.loads((await agent.read_resource("docket://tasks/open")).contents[0].text)
        check(len(open_tasks) == 30 and all(t["status"] != "done" for t in open_tasks), "docket://tasks/open lists the open tasks")
        prompts = [p.name for p in (await agent.list_prompts()).prompts]
        review = await agent.get_prompt("daily_review", {"focus": "writing"})
        check(prompts == ["daily_review"] and "Today is" in review.messages[0].content.text and "Favour: writing" in review.messages[0].content.text,
              "the daily_review prompt is built from the user's tasks")
        progress_seen = []

        async def on_progress(progress, total, message):
            progress_seen.append((progress, total))

        followed = await agent.call_tool("bulk_update_tasks", {"filter": {"priority": ["medium"]}, "set_priority": "low"},
                                         progress_callback=on_progress)
        check(structured(followed)["state"] == "succeeded" and len(progress_seen) >= 2 and progress_seen[-1] == (30, 30)
              and [p for p, _ in progress_seen] == sorted(p for p, _ in progress_seen),
              f"with a progress token, bulk_update_tasks reports progress until the job is done ({len(progress_seen)} notifications)")
        deleted = await agent.call_tool("delete_task", {"id": task["id"]})
        gone = await agent.call_tool("get_task", {"id": task["id"]})
        check(not is_error(deleted) and is_error(gone) and "Not found" in text(gone), "delete_task deletes; get_task then says not found")
        rounds = 200
        started = time.perf_counter()
        for _ in range(rounds):
            await agent.call_tool("list_tasks", {"limit": 20})
        mcp_rate = rounds / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(rounds):
        http(base, "GET", "/api/v1/tasks?limit=20", token=alice_pat)
    rest_rate = rounds / (time.perf_counter() - started)
    print(f"  throughput, one client, sequential: list_tasks over MCP {mcp_rate:.0f}/s, GET /api/v1/tasks {rest_rate:.0f}/s")

    seen = {tool: http(base, "GET", f"/api/v1/agent-activity?tool={tool}&limit=100", token=alice)[2]["items"]
            for tool in ("create_task", "update_task", "bulk_update_tasks", "delete_task", "list_tasks")}
    check(all(seen.values()) and all(item["client_name"] and item["token_id"] for items in seen.values() for item in items)
          and len(seen["list_tasks"]) == 100, f"agent activity records each call with its client and token (client {seen['create_task'][0]['client_name']})")
    failures = http(base, "GET", "/api/v1/agent-activity?outcome=tool_error&limit=100", token=alice)[2]["items"]
    check(any(item["tool"] == "update_task" and item["error_type"] == "precondition-failed" for item in failures),
          "agent activity records failed calls with their problem type")

    async with client(base, reader_pat) as reader:
        names = sorted(tool.name for tool in (await reader.list_tools()).tools)
        check(names == ["get_job", "get_task", "list_tasks", "search_tasks", "summarize_workload"], f"a read-only token sees only read tools: {names}")
        refused = await reader.call_tool("create_task", {"title": "no"})
        check(is_error(refused) and "tasks:write" in text(refused), "a read-only token is refused a write, naming the scope")

    async with client(base, bob_pat) as bob:
        mine = structured(await bob.call_tool("list_tasks", {}))
        check(mine["items"] == [], "another user's token sees none of the first user's tasks")
        first = structured(await bob.call_tool("summarize_workload", {}))
        check(first["total"] == 0, "another user's workload is their own")

    revoked_after_use = False
    async with client(base, doomed_pat) as doomed:
        check(not is_error(await doomed.call_tool("list_tasks", {})), "a token works before it is revoked")
        tokens = http(base, "GET", "/api/v1/tokens", token=alice)[2]["items"]
        doomed_id = next(item["id"] for item in tokens if item["name"] == "doomed")
        check(http(base, "DELETE", f"/api/v1/tokens/{doomed_id}", token=alice)[0] == 204, "the token is revoked over REST")
        try:
            result = await doomed.call_tool("list_tasks", {})
            revoked_after_use = not is_error(result)
        except Exception:  # the SDK surfaces the 401 as an error
            revoked_after_use = False
    check(not revoked_after_use, "a revoked token is refused on its next call")


async def stdio_scenario(binary, env):
    """`docket mcp` started the way desktop clients start servers: a subprocess speaking MCP on stdin/stdout."""
    params = StdioServerParameters(command=binary, args=["mcp", "--email", "alice@example.com"], env=env)
    async with Client(params) as local:
        names = [tool.name for tool in (await local.list_tools()).tools]
        check(len(names) == 12, f"docket mcp over stdio offers the tools ({len(names)})")
        made = structured(await local.call_tool("create_task", {"title": "Made over stdio"}))
        found = structured(await local.call_tool("search_tasks", {"query": "over stdio"}))
        check([item["id"] for item in found["items"]] == [made["id"]], "docket mcp acts for the named account on the shared database")
        started = time.perf_counter()
        for _ in range(50):
            await local.call_tool("list_tasks", {"limit": 20})
        print(f"  throughput over stdio, sequential: list_tasks {50 / (time.perf_counter() - started):.0f}/s")
    params = StdioServerParameters(command=binary, args=["mcp", "--email", "alice@example.com", "--read-only"], env=env)
    async with Client(params) as reader:
        names = sorted(tool.name for tool in (await reader.list_tools()).tools)
        check("create_task" not in names and "list_tasks" in names, "docket mcp --read-only offers only reading tools")


async def shutdown_with_open_stream(base, token, server):
    """Seconds from SIGTERM to exit while a client holds a session (and its GET event stream) open."""
    async def hold():
        try:
            async with client(base, token) as agent:
                await agent.list_tools()
                await asyncio.sleep(60)
        except BaseException:  # the server going away ends the session
            pass
    holder = asyncio.create_task(hold())
    await asyncio.sleep(1.5)
    started = time.time()
    server.send_signal(signal.SIGTERM)
    while server.poll() is None and time.time() - started < 20:
        await asyncio.sleep(0.1)
    elapsed = time.time() - started
    holder.cancel()
    try:
        await holder
    except BaseException:
        pass
    print(f"  shutdown with an open MCP stream took {elapsed:.1f} s")
    return elapsed


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="docket-mcp-")
    # Rate limiting on with raised budgets: two accounts' many calls from one address (see docket_node.py).
    node = DocketNode(binary, work, {"DOCKET_LOG_LEVEL": "warning", **RAISED_LIMITS, "DOCKET_JOB_BATCH_SIZE": "5",
                                     "DOCKET_JOB_STEP_PAUSE": "50"})
    port = node.port
    env = node.full_env()
    node.start(wait=False)
    server = node.process
    base = node.base
    try:
        node.wait_ready(60)
        def register(email):
            return http(base, "POST", "/api/v1/auth/register", {"email": email, "password": "Agent-Password-1", "name": "Agent"})[2]
        def pat(session, scopes, name="agent"):
            return http(base, "POST", "/api/v1/tokens", {"name": name, "scopes": scopes}, token=session)[2]["token"]
        alice = register("alice@example.com")["access_token"]
        bob = register("bob@example.com")["access_token"]
        everything = ["tasks:read", "tasks:write", "profile:read", "agent:activity:read"]

        status, headers, _ = http(base, "POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "initialize"})
        challenge = headers.get("WWW-Authenticate", "")
        check(status == 401 and f'resource_metadata="{base}/.well-known/oauth-protected-resource"' in challenge,
              "an unauthenticated request gets 401 pointing at the protected-resource metadata")
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}
        sse = {"Accept": "application/json, text/event-stream"}
        check(http(base, "POST", "/mcp", init, token=alice, headers={**sse, "Host": "evil.example"})[0] == 421,
              "a foreign Host is refused (DNS-rebinding protection)")
        check(http(base, "POST", "/mcp", init, token=alice, headers={**sse, "Origin": "http://evil.example"})[0] == 403,
              "a foreign browser Origin is refused")

        asyncio.run(scenario(base, alice, pat(alice, everything), pat(alice, ["tasks:read"]), pat(bob, everything),
                             pat(alice, ["tasks:read"], name="doomed")))
        asyncio.run(stdio_scenario(binary, env))
        if server.poll() is not None:
            check(False, "the server kept running")
        check(asyncio.run(shutdown_with_open_stream(base, pat(alice, ["tasks:read"]), server)) < 8,
              "SIGTERM with an MCP session's event stream open still shuts down promptly")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        if results["failed"]:
            print(open(os.path.join(work, "server.log")).read()[-3000:])
        shutil.rmtree(work, ignore_errors=True)
    print(f"mcp-check: {results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
