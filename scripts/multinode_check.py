#!/usr/bin/env python3
"""Two Docket nodes on one PostgreSQL behind nginx, all on 127.0.0.1: proves the nodes share every piece of state.

Started by scripts/multinode-test, which installs nginx and builds the binary. Every process it starts is stopped
before it exits; all traffic stays on loopback; the load phase is bounded in time.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from docket_node import DocketNode, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "Multi-Node-Pass-1"
failures = []
passes = []


def check(condition, message):
    print(("  ok   " if condition else "  FAIL ") + message, flush=True)
    (passes if condition else failures).append(message)


def http(port, method, path, body=None, token=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            payload = response.read()
            return response.status, json.loads(payload) if payload else None
    except urllib.error.HTTPError as error:
        payload = error.read()
        return error.code, json.loads(payload) if payload else None


def wait_ready(port, process, limit=60):
    deadline = time.time() + limit
    while time.time() < deadline:
        try:
            if http(port, "GET", "/ready")[0] == 200:
                return
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"node on {port} exited")
        time.sleep(0.05)
    raise RuntimeError(f"node on {port} not ready")


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="docket-multinode-")
    os.chmod(work, 0o755)
    processes = []
    try:
        admin = subprocess.run([os.path.join(ROOT, "scripts", "postgres-cluster"), "start", os.path.join(work, "pg")],
                               capture_output=True, text=True, check=True).stdout.strip()
        subprocess.run(["psql", admin, "-qc", "CREATE DATABASE docket_multi"], check=True, capture_output=True)
        database = admin.rsplit("/", 1)[0] + "/docket_multi"
        keys = os.path.join(work, "jwt-keys.json")
        common = {"DATABASE_URL": database, "DOCKET_JWT_KEYS_FILE": keys, "DOCKET_LOG_LEVEL": "warning",
                  "DOCKET_ARGON2_MEMORY_KIB": "4096", "DOCKET_ARGON2_ITERATIONS": "1", "DOCKET_RATE_LIMIT_IP": "1000/60",
                  "DOCKET_RATE_LIMIT_ACCOUNT": "4/600", "DOCKET_AUTH_CACHE_TTL": "1", "DOCKET_SHUTDOWN_TIMEOUT": "10"}
        subprocess.run([binary, "keys", "rotate"], env={**os.environ, **common, "DOCKET_DATA_DIR": work}, check=True,
                       capture_output=True)
        subprocess.run([binary, "migrate", "up"], env={**os.environ, **common, "DOCKET_DATA_DIR": work}, check=True,
                       capture_output=True)
        ports = [free_port(), free_port()]
        nodes = []
        for index, port in enumerate(ports):
            data = os.path.join(work, f"node{index}")
            node = DocketNode(binary, data, {**common, "DOCKET_AUTO_MIGRATE": "false"}, port=port, log_name="node.log")
            node.start(wait=False)
            processes.append(node.process)
            nodes.append(node.process)
            node.wait_ready(60)
        a, b = ports
        balancer = free_port()
        nginx_conf = os.path.join(work, "nginx.conf")
        with open(nginx_conf, "w") as f:
            f.write(f"""
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {work}/nginx-body;
  proxy_temp_path {work}/nginx-proxy;
  fastcgi_temp_path {work}/nginx-fastcgi;
  uwsgi_temp_path {work}/nginx-uwsgi;
  scgi_temp_path {work}/nginx-scgi;
  upstream docket {{
    server 127.0.0.1:{a} max_fails=1 fail_timeout=5s;
    server 127.0.0.1:{b} max_fails=1 fail_timeout=5s;
    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{balancer};
    location / {{
      proxy_pass http://docket;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_connect_timeout 1s;
    }}
  }}
}}
""")
        nginx = subprocess.Popen(["nginx", "-c", nginx_conf, "-p", work, "-g", "daemon off; user root;"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(nginx)
        wait_ready(balancer, nginx)

        print("Sessions cross nodes:")
        email = "multi@example.com"
        status, _ = http(a, "POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD, "name": "Multi"})
        check(status == 201, "register on node A")
        status, tokens = http(a, "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
        check(status == 200, "login on node A")
        check(http(b, "GET", "/api/v1/users/me", token=tokens["access_token"])[0] == 200, "A's access token works on node B")
        status, rotated = http(b, "POST", "/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]})
        check(status == 200, "refresh on node B")
        check(http(a, "POST", "/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]})[0] == 401,
              "replaying the old refresh token on node A is refused")
        check(http(a, "POST", "/api/v1/auth/refresh", {"refresh_token": rotated["refresh_token"]})[0] == 401
              and http(b, "POST", "/api/v1/auth/refresh", {"refresh_token": rotated["refresh_token"]})[0] == 401,
              "the whole family is revoked on both nodes")

        print("Idempotency across nodes:")
        status, fresh = http(b, "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
        token = fresh["access_token"]
        key = {"Idempotency-Key": "multi-node-1"}
        first = http(a, "POST", "/api/v1/tasks", {"title": "once"}, token=token, headers=key)
        second = http(b, "POST", "/api/v1/tasks", {"title": "once"}, token=token, headers=key)
        check(first[0] == 201 and second[0] == 201 and first[1]["id"] == second[1]["id"], "same key on A then B gives one task")
        listed = http(a, "GET", "/api/v1/tasks?include_total=true", token=token)[1]
        check(listed["total"] == 1, "exactly one task stored")

        print("Rate limits hold across nodes:")
        other = "limited@example.com"
        http(a, "POST", "/api/v1/auth/register", {"email": other, "password": PASSWORD, "name": "L"})
        statuses = [http(port, "POST", "/api/v1/auth/login", {"email": other, "password": "Wrong-Pass-1"})[0]
                    for port in (a, b, a, b, a)]
        check(statuses[:4] == [401, 401, 401, 401] and statuses[4] == 429,
              f"per-account budget of 4 is shared: {statuses}")

        print("Failover under load through nginx:")
        served, errors = [0], []
        lock = threading.Lock()
        stop = time.time() + 8
        sigterm_at = [None]

        def worker():
            while time.time() < stop:
                sent = time.time()
                try:
                    outcome = http(balancer, "GET", "/api/v1/tasks?limit=5", token=token)[0]
                except (OSError, ValueError) as error:   # ValueError: a body that is not JSON (an nginx error page)
                    outcome = type(error).__name__
                with lock:
                    if outcome == 200:
                        served[0] += 1
                    else:
                        errors.append((outcome, sent - (sigterm_at[0] or sent)))
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(3)
        sigterm_at[0] = time.time()
        nodes[0].send_signal(signal.SIGTERM)
        stopped_cleanly = nodes[0].wait(timeout=20) == 0
        for thread in threads:
            thread.join(timeout=30)
        check(stopped_cleanly, "node A stopped gracefully (exit 0) mid-load")
        kinds = {}
        for outcome, _ in errors:
            kinds[str(outcome)] = kinds.get(str(outcome), 0) + 1
        check(served[0] > 0 and not errors, f"{served[0]} requests served through nginx while node A stopped, "
              f"{len(errors)} failed {kinds}")
        for outcome, offset in errors[:10]:
            print(f"       {outcome} for a request sent {offset:+.3f} s after node A's SIGTERM")
        check(http(balancer, "GET", "/ready")[0] == 200, "the balancer still answers through node B")
        print(f"multinode postgres: failover_requests={served[0] + len(errors)} served={served[0]} failed={len(errors)} "
              f"node_a_exit_clean={int(stopped_cleanly)}")
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        subprocess.run([os.path.join(ROOT, "scripts", "postgres-cluster"), "stop", os.path.join(work, "pg")],
                       capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    print(f"multinode: {len(passes)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
