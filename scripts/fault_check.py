#!/usr/bin/env python3
"""Fault injection against a live Docket on 127.0.0.1, bounded in time; run through scripts/fault-test.

  crash sqlite|postgres [rounds]   kill -9 under a concurrent create load; every acknowledged create must survive
  outage                           stop PostgreSQL under load: /ready turns 503, requests fail fast, recovery is automatic
  diskfull                         SQLite on a tiny tmpfs: writes fail with 503, reads go on, writes recover with space
"""
import json
import os
import random
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "Fault-Password-1"
results = {"passed": 0, "failed": 0}


def check(condition, message):
    print(("  ok   " if condition else "  FAIL ") + message, flush=True)
    results["passed" if condition else "failed"] += 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(port, method, path, body=None, token=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
            return response.status, json.loads(payload) if payload else None
    except urllib.error.HTTPError as error:
        payload = error.read()
        try:
            return error.code, json.loads(payload) if payload else None
        except ValueError:
            return error.code, None


class Node:
    def __init__(self, binary, env):
        self.binary, self.env, self.process = binary, env, None
        self.port = int(env["DOCKET_PORT"])

    def start(self):
        self.process = subprocess.Popen([self.binary, "serve"], env={**os.environ, **self.env},
                                        stdout=open(os.path.join(self.env["DOCKET_DATA_DIR"], "node.log"), "ab"),
                                        stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if http(self.port, "GET", "/ready", timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("node did not become ready")

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def base_env(data_dir, extra=None):
    env = {"DOCKET_PORT": str(free_port()), "DOCKET_DATA_DIR": data_dir, "DOCKET_LOG_LEVEL": "warning",
           "DOCKET_RATE_LIMIT_ENABLED": "false", "DOCKET_ARGON2_MEMORY_KIB": "1024", "DOCKET_ARGON2_ITERATIONS": "1"}
    env.update(extra or {})
    return env


def all_tasks(port, token):
    found, cursor = {}, None
    while True:
        suffix = "&cursor=" + urllib.parse.quote(cursor, safe="") if cursor else ""
        status, body = http(port, "GET", "/api/v1/tasks?limit=100" + suffix, token=token)
        if status != 200:
            raise RuntimeError(f"listing failed: {status}")
        for item in body["items"]:
            found[item["id"]] = item["title"]
        cursor = body.get("next_cursor")
        if not cursor:
            return found


def crash(binary, backend, rounds, work):
    print(f"Crash (kill -9) under concurrent creates, {backend}, {rounds} rounds:")
    extra = {}
    cluster = None
    if backend == "postgres":
        cluster = os.path.join(work, "pg")
        admin = subprocess.run([os.path.join(ROOT, "scripts", "postgres-cluster"), "start", cluster], capture_output=True,
                               text=True, check=True).stdout.strip()
        subprocess.run(["psql", admin, "-qc", "CREATE DATABASE docket_crash"], check=True, capture_output=True)
        extra["DATABASE_URL"] = admin.rsplit("/", 1)[0] + "/docket_crash"
    node = Node(binary, base_env(os.path.join(work, "crash-data"), extra))
    os.makedirs(node.env["DOCKET_DATA_DIR"], exist_ok=True)
    total_acked = total_lost = 0
    try:
        node.start()
        token = http(node.port, "POST", "/api/v1/auth/register", {"email": "crash@example.com", "password": PASSWORD,
                                                                    "name": "Crash"})[1]["access_token"]
        for round_number in range(rounds):
            acked = {}
            lock = threading.Lock()
            stop = threading.Event()

            def worker(worker_id):
                counter = 0
                while not stop.is_set():
                    counter += 1
                    title = f"r{round_number}-w{worker_id}-{counter}"
                    try:
                        status, body = http(node.port, "POST", "/api/v1/tasks", {"title": title}, token=token, timeout=5)
                    except OSError:
                        continue
                    if status == 201:
                        with lock:
                            acked[body["id"]] = title
            threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
            for thread in threads:
                thread.start()
            time.sleep(1.5 + random.random())
            node.kill9()
            stop.set()
            for thread in threads:
                thread.join()
            node.start()
            stored = all_tasks(node.port, token)
            lost = [task_id for task_id, title in acked.items() if stored.get(task_id) != title]
            total_acked += len(acked)
            total_lost += len(lost)
            check(not lost, f"round {round_number + 1}: {len(acked)} acknowledged creates, {len(lost)} lost or altered")
    finally:
        node.stop()
        if cluster:
            subprocess.run([os.path.join(ROOT, "scripts", "postgres-cluster"), "stop", cluster], capture_output=True)
    print(f"  crash {backend}: {rounds} kills, {total_acked} acknowledged writes, {total_lost} lost")


def outage(binary, work):
    print("PostgreSQL outage under load:")
    cluster = os.path.join(work, "pg-outage")
    pg_bin = sorted(os.path.join("/usr/lib/postgresql", v, "bin") for v in os.listdir("/usr/lib/postgresql"))[-1]
    admin = subprocess.run([os.path.join(ROOT, "scripts", "postgres-cluster"), "start", cluster], capture_output=True,
                           text=True, check=True).stdout.strip()
    port = admin.rsplit(":", 1)[1].split("/")[0]
    subprocess.run(["psql", admin, "-qc", "CREATE DATABASE docket_outage"], check=True, capture_output=True)
    node = Node(binary, base_env(os.path.join(work, "outage-data"), {"DATABASE_URL": admin.rsplit("/", 1)[0] + "/docket_outage",
                                                                    "DOCKET_AUTH_CACHE_TTL": "1"}))
    os.makedirs(node.env["DOCKET_DATA_DIR"], exist_ok=True)
    as_owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []

    def pg_ctl(action):
        options = ["-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {cluster} -c fsync=off"] if action == "start" else ["-m", "fast"]
        subprocess.run(as_owner + [os.path.join(pg_bin, "pg_ctl"), "-D", os.path.join(cluster, "data"), "-w", "-l",
                                   os.path.join(cluster, "server.log")] + options + [action], check=True, capture_output=True)
    try:
        node.start()
        token = http(node.port, "POST", "/api/v1/auth/register", {"email": "outage@example.com", "password": PASSWORD,
                                                                    "name": "Outage"})[1]["access_token"]
        http(node.port, "POST", "/api/v1/tasks", {"title": "before the outage"}, token=token)
        pg_ctl("stop")
        stopped = time.time()
        ready_503_after = None
        while time.time() - stopped < 30:
            if http(node.port, "GET", "/ready", timeout=10)[0] == 503:
                ready_503_after = time.time() - stopped
                break
            time.sleep(0.1)
        check(ready_503_after is not None and ready_503_after < 10, f"/ready is 503 {ready_503_after and round(ready_503_after, 2)} s after the stop")
        slowest, statuses, problems = 0.0, [], 0
        for _ in range(10):
            started = time.time()
            status, body = http(node.port, "GET", "/api/v1/tasks?limit=5", token=token, timeout=15)
            slowest = max(slowest, time.time() - started)
            statuses.append(status)
            problems += bool(body and body.get("type") == "urn:docket:problem:service-unavailable")
        check(all(s == 503 for s in statuses) and problems == 10, f"requests during the outage get 503 problems: {sorted(set(statuses))}")
        check(slowest < 7, f"and fail fast: slowest {slowest:.2f} s (pool and connect timeouts are 5 s)")
        check(node.process.poll() is None, "the node did not crash")
        pg_ctl("start")
        restarted = time.time()
        recovered_after = None
        while time.time() - restarted < 60:
            if http(node.port, "GET", "/ready", timeout=10)[0] == 200 and \
                    http(node.port, "GET", "/api/v1/tasks?limit=5", token=token)[0] == 200:
                recovered_after = time.time() - restarted
                break
            time.sleep(0.2)
        check(recovered_after is not None, f"recovers by itself without a restart, {recovered_after and round(recovered_after, 2)} s after the database is back")
        titles = [t["title"] for t in http(node.port, "GET", "/api/v1/tasks", token=token)[1]["items"]]
        check(titles == ["before the outage"], "data written before the outage is intact")
        print(f"  outage: /ready 503 after {ready_503_after and round(ready_503_after, 2)} s; recovery {recovered_after and round(recovered_after, 2)} s")
    finally:
        node.stop()
        subprocess.run([os.path.join(ROOT, "scripts", "postgres-cluster"), "stop", cluster], capture_output=True)


def diskfull(binary, work):
    print("SQLite data directory runs out of space:")
    mount = os.path.join(work, "small-disk")
    os.makedirs(mount)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount], check=True)
    node = Node(binary, base_env(mount))
    try:
        node.start()
        token = http(node.port, "POST", "/api/v1/auth/register", {"email": "full@example.com", "password": PASSWORD,
                                                                    "name": "Full"})[1]["access_token"]
        http(node.port, "POST", "/api/v1/tasks", {"title": "written before the disk filled"}, token=token)
        filler = os.path.join(mount, "filler")
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=4k", "count=100000"], capture_output=True)
        statuses = [http(node.port, "POST", "/api/v1/tasks", {"title": "x" * 200, "description": "y" * 9000}, token=token)[0]
                    for _ in range(40)]
        check(503 in statuses and 500 not in statuses, f"writes on a full disk answer 503 problems, never 500: {sorted(set(statuses))}")
        status, body = http(node.port, "GET", "/api/v1/tasks?limit=100", token=token)
        check(status == 200, "reads keep working")
        os.remove(filler)
        status, _ = http(node.port, "POST", "/api/v1/tasks", {"title": "after space came back"}, token=token)
        check(status == 201, "writes work again once there is space")
        stored = all_tasks(node.port, token)
        acked_during = statuses.count(201)
        check(len(stored) == 2 + acked_during, f"nothing half-written: {len(stored)} tasks stored = 2 + {acked_during} acknowledged while filling")
        check(node.process.poll() is None, "the node did not crash")
    finally:
        node.stop()
        subprocess.run(["umount", mount], capture_output=True)


def main():
    import urllib.parse  # noqa: F401  (used by all_tasks)
    globals()["urllib"].parse = urllib.parse
    binary, action = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="docket-fault-")
    os.chmod(work, 0o755)
    try:
        if action == "crash":
            crash(binary, sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 5, work)
        elif action == "outage":
            outage(binary, work)
        elif action == "diskfull":
            diskfull(binary, work)
        else:
            sys.exit(__doc__)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"fault {action}: {results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
