#!/usr/bin/env python3
"""Abuse inputs against a live Docket on 127.0.0.1: each must get a clean 4xx or a closed connection, never a crash,
never unbounded memory. Bounded in time.

  abuse_check.py BINARY                 on SQLite (a fresh data directory)
  abuse_check.py BINARY POSTGRES_URL    on PostgreSQL: POSTGRES_URL names a server (e.g. the test cluster's
                                        postgres://docket@127.0.0.1:PORT/postgres); the check creates a database of its
                                        own there and drops it again

Ends with one machine-readable summary line (`abuse postgres: cases=… crashes=0 failed=0 …`)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from abuse_mcp import check_mcp
from docket_node import CHEAP_HASHING, RAISED_LIMITS, DocketNode

results = {"passed": 0, "failed": 0}
# Calls in one MCP session for its memory bound: the old unbounded event store grew ~26 MiB per 2,000 (see #29).
MCP_CALLS = int(os.environ.get("ABUSE_MCP_CALLS", "2000"))
TIMED_OUT = "no answer and not closed within the timeout"


def check(condition, message):
    print(("  ok   " if condition else "  FAIL ") + message, flush=True)
    results["passed" if condition else "failed"] += 1


def raw(port, payload, timeout=10, trickle=None):
    """Sends raw bytes and returns (status, seconds until the server answered or closed, response bytes). The status is
    the response's code, None when the server closed the connection without an answer, or TIMED_OUT when it did
    neither within `timeout` seconds (the connection is held open: never an acceptable outcome)."""
    started = time.time()
    timed_out = False
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        data = b""
        try:
            if trickle:
                for byte in payload:
                    conn.sendall(bytes([byte]))
                    time.sleep(trickle)
            else:
                conn.sendall(payload)
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        except (socket.timeout, TimeoutError):
            timed_out = not data
    status = int(data.split(b" ")[1]) if data.startswith(b"HTTP/1.1 ") else (TIMED_OUT if timed_out else None)
    return status, time.time() - started, data


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    binary = sys.argv[1]
    server_url = sys.argv[2] if len(sys.argv) == 3 else ""
    backend = "postgres" if server_url else "sqlite"
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="docket-abuse-")
    # Rate limiting on with raised budgets: one account's many abusive requests from one address (see docket_node.py).
    env = {"DOCKET_LOG_LEVEL": "error", "DOCKET_IDLE_TIMEOUT": "3", **RAISED_LIMITS, **CHEAP_HASHING}
    database = admin = None
    if server_url:
        database = f"docket_abuse_{os.getpid()}"
        admin = server_url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {database}"], check=True, capture_output=True, timeout=60)
        env["DATABASE_URL"] = server_url.rsplit("/", 1)[0] + "/" + database
    node = DocketNode(binary, work, env, unset=("DATABASE_URL",))
    port = node.port
    node.start(wait=False)
    server = node.process
    rss_before = rss_after = 0
    try:
        node.wait_ready(60)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/auth/register", method="POST",
                                         data=json.dumps({"email": "abuse@example.com", "password": "Abuse-Pass-1", "name": "A"}).encode(),
                                         headers={"Content-Type": "application/json"})
        token = json.loads(urllib.request.urlopen(request, timeout=10).read())["access_token"]
        auth = f"Authorization: Bearer {token}\r\n".encode()
        rss_before = rss_kib(server.pid)

        def post(path, body, content_type=b"application/json", extra=b""):
            head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\nConnection: close\r\n".encode()
                    + b"Content-Type: " + content_type + b"\r\n" + auth + extra + b"\r\n")
            return raw(port, head + body)

        print(f"Abuse inputs ({backend}):")
        status, _, _ = post("/api/v1/tasks", b'{"title":"' + b"x" * 2_000_000 + b'"}')
        check(status == 413, f"a 2 MB body: {status}")
        status, _, _ = raw(port, b"POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n"
                           + auth + b"Connection: close\r\n\r\n" + b"".join(b"10000\r\n" + b"a" * 65536 + b"\r\n" for _ in range(20)) + b"0\r\n\r\n")
        check(status == 413, f"a 1.3 MB chunked body: {status}")
        status, _, _ = post("/api/v1/tasks", b"[" * 10_000 + b"]" * 10_000)
        check(status in (400, 422), f"10,000-deep nested arrays: {status}")
        status, _, _ = post("/api/v1/tasks", b'{"title":' + b'{"a":' * 10_000 + b"1" + b"}" * 10_001)
        check(status in (400, 422), f"10,000-deep nested objects: {status}")
        status, _, _ = post("/api/v1/tasks", b'{"title":"\xff\xfe bad utf8"}')
        check(status in (400, 422), f"invalid UTF-8: {status}")
        status, _, _ = post("/api/v1/tasks", b'{"title":"nul\\u0000inside"}')
        check(status == 422, f"an escaped NUL in a string field: {status}")
        status, _, _ = post("/api/v1/tasks", b'{"title":"raw\x00nul"}')
        check(status in (400, 422), f"a raw NUL byte in the body: {status}")
        status, _, _ = post("/api/v1/tasks", b'{"title":"ok"}', extra=b"X-Huge: " + b"h" * 200_000 + b"\r\n")
        check(status in (400, 431, None), f"a 200 KB header value: {status or 'connection closed'}")
        query = "&".join(f"status=todo&p{i}=v{i}" for i in range(5000))
        status, _, _ = raw(port, f"GET /api/v1/tasks?{query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".encode() + auth + b"\r\n")
        check(status in (200, 400, 414, 431, None), f"5,000 query parameters: {status or 'connection closed'}")
        status, _, _ = raw(port, f"GET /api/v1/tasks?q={'a' * 100_000} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".encode() + auth + b"\r\n")
        check(status in (400, 414, 422, 431, None), f"a 100 KB URL: {status or 'connection closed'}")
        status, _, _ = raw(port, b"GET /%00%ff/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        check(status in (400, 404), f"NUL, invalid UTF-8 and dot segments in the path: {status}")
        status, _, _ = raw(port, b"BREW /coffee HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        check(status in (400, 404, 405, 501, None), f"an unknown method: {status or 'connection closed'}")
        status, _, _ = raw(port, b"this is not http\r\n\r\n")
        check(status in (400, None), f"garbage instead of HTTP: {status or 'connection closed'}")
        for payload in ["' OR 1=1 --", "\"; DROP TABLE tasks; --", "%_\\", "\u202e\u0000\ufeff", "🙂" * 50, "\u0301" * 500]:
            body = json.dumps({"title": payload, "description": payload}).encode()
            status, _, _ = post("/api/v1/tasks", body)
            check(status in (201, 422), f"odd string {payload[:12]!r}…: {status}")
            encoded = urllib.request.quote(payload)
            status, _, _ = raw(port, f"GET /api/v1/tasks?q={encoded} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".encode() + auth + b"\r\n")
            # A bad query parameter (a NUL, past maxLength) is a 400 naming it; never a 500.
            check(status in (200, 400), f"  and as a filter: {status}")

        print("Slow and idle clients (idle timeout 3 s):")
        _, seconds, _ = raw(port, b"", timeout=30)
        check(seconds < 6, f"an idle connection is closed after {seconds:.1f} s")
        status, seconds, _ = raw(port, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 60, timeout=30, trickle=0.25)
        check(seconds < 25, f"headers trickled byte by byte: closed or answered after {seconds:.1f} s ({status})")

        print(f"MCP ({backend}):")
        check_mcp(port, token, lambda: rss_kib(server.pid), check, MCP_CALLS)

        time.sleep(1)
        rss_after = rss_kib(server.pid)
        check(server.poll() is None, "the server is still running")
        check(rss_after < rss_before + 64 * 1024, f"memory stayed bounded: RSS {rss_before // 1024} MiB before, {rss_after // 1024} MiB after")
        status = urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).status
        check(status == 200, "and still serves")
        status = urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=5).status
        check(status == 200, f"and its database still answers (/ready {status})")
    except Exception as error:
        check(False, f"the check ran to the end: {type(error).__name__}: {error}")
    finally:
        crashed = server.poll() is not None
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if results["failed"] or server.returncode != 0:
            with open(os.path.join(work, "server.log"), errors="replace") as f:
                print("--- server log (tail)\n" + f.read()[-3000:])
        shutil.rmtree(work, ignore_errors=True)
        if database:
            subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], capture_output=True,
                           timeout=60)
    check(server.returncode == 0, f"SIGTERM stops the server cleanly: exit {server.returncode}")
    print(f"abuse {backend}: cases={results['passed'] + results['failed']} crashes={int(crashed)} failed={results['failed']} "
          f"rss_before_mib={rss_before // 1024} rss_after_mib={rss_after // 1024} seconds={time.monotonic() - started:.0f}")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
