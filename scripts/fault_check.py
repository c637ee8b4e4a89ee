#!/usr/bin/env python3
"""Fault injection against a live Docket on 127.0.0.1, bounded in time; run through scripts/fault-test.

  crash sqlite|postgres [rounds]   kill -9 of the node while 16 writers create tasks; at least 8 requests must be sent
                                   and unanswered when the signal lands. On PostgreSQL (its own cluster, fsync and
                                   synchronous_commit on) one more round kill -9s PostgreSQL itself and restarts it;
                                   the node must recover by itself within 5 s. After every round each acknowledged
                                   create is looked up by id: none may be lost.
  outage                           PostgreSQL stopped for 3 s under a write load: failing requests are 503 problems with
                                   Retry-After, well under the client timeout; the node recovers by itself within 5 s of
                                   PostgreSQL accepting connections; every acknowledged create exists at the end
  diskfull                         SQLite on a tiny tmpfs: writes fail with 503, reads go on, writes recover with space

Rounds default to 2; RELIABILITY_FULL=1 raises them to at least 20 per database. Each check ends with one
machine-readable summary line (`crash postgres: rounds=… acknowledged=… lost=0`).
"""
import http.client
import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from docket_node import CHEAP_HASHING, RAISED_LIMITS, DocketNode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "Fault-Password-1"
WRITERS = 16                # concurrent create loops, each on its own keep-alive connection
MIN_IN_FLIGHT = 8           # requests sent and not yet answered when a kill lands, or the round fails
CLIENT_TIMEOUT = 10.0       # seconds a client waits for an answer
FAIL_FAST_LIMIT = 2.0       # seconds: a failing request during an outage must be answered within this
RECOVERY_LIMIT = 5.0        # seconds from PostgreSQL accepting connections to the node's first successful write
FULL_ROUNDS = 20            # crash rounds per database with RELIABILITY_FULL=1
OUTCOME_UNKNOWN = "urn:docket:problem:outcome-unknown"  # 504: COMMIT sent, connection lost before its answer
results = {"passed": 0, "failed": 0}


def check(condition, message):
    print(("  ok   " if condition else "  FAIL ") + message, flush=True)
    results["passed" if condition else "failed"] += 1
    return condition


def call(port, method, path, body=None, token=None, timeout=CLIENT_TIMEOUT):
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


def register(port, email):
    status, body = call(port, "POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD, "name": "Fault"})
    if status != 201:
        raise RuntimeError(f"registering {email} answered {status}")
    return body["access_token"]


class Node(DocketNode):
    """A node whose log keeps every start (the crash rounds restart it), with its error lines summarised for a failed
    check."""

    def __init__(self, binary, data_dir, env):
        super().__init__(binary, data_dir, env, log_name="node.log")

    def start(self):
        super().start(limit=60)

    def errors(self):
        """The node's distinct error lines (and a crash report, if any), for a failed check's output."""
        seen, lines = {}, []
        try:
            with open(self.log_path, errors="replace") as f:
                for line in f:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        if "Fatal error" in line or "crashed" in line:
                            lines.append(line.rstrip())
                        continue
                    if entry.get("level") in ("error", "critical"):
                        key = (entry.get("message", "")[:80], str(entry.get("error", ""))[:160])
                        seen[key] = seen.get(key, 0) + 1
        except OSError:
            pass
        return "\n".join([f"  {count} x {message} {error}" for (message, error), count in seen.items()] + lines)


def base_env(extra=None):
    # Rate limiting on with raised budgets: 16 writers of one account from one address (see docket_node.py).
    return {"DOCKET_LOG_LEVEL": "warning", **RAISED_LIMITS, **CHEAP_HASHING, **(extra or {})}


class Cluster:
    """A throwaway PostgreSQL from scripts/postgres-cluster --durable (fsync and synchronous_commit on) that can be
    stopped, killed and started again; its settings live in its postgresql.conf, so a restart keeps them."""

    def __init__(self, directory):
        self.dir = directory
        self.data = os.path.join(directory, "data")
        self.admin = subprocess.run([os.path.join(ROOT, "scripts", "postgres-cluster"), "start", directory, "--durable"],
                                    capture_output=True, text=True, check=True, timeout=120).stdout.strip()
        self.port = int(urllib.parse.urlsplit(self.admin).port)
        versions = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: [int(p) for p in v.split(".") if p.isdigit()])
        self.pg_ctl_path = os.path.join("/usr/lib/postgresql", versions[-1], "bin", "pg_ctl")
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []

    def create_database(self, name):
        subprocess.run(["psql", self.admin, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True, timeout=60)
        return self.admin.rsplit("/", 1)[0] + "/" + name

    @staticmethod
    def show(url, setting):
        return subprocess.run(["psql", url, "-Atc", f"SHOW {setting}"], check=True, capture_output=True, text=True,
                              timeout=30).stdout.strip()

    def pg_ctl(self, *arguments):
        subprocess.run(self.as_owner + [self.pg_ctl_path, "-D", self.data, "-l", os.path.join(self.dir, "server.log")]
                       + list(arguments), check=True, capture_output=True, timeout=90)

    def stop_fast(self):
        self.pg_ctl("-m", "fast", "-w", "-t", "60", "stop")

    def start_no_wait(self):
        """Starts the postmaster and returns at once: wait_accepting() measures when it takes connections."""
        self.pg_ctl("-W", "start")

    def accepting(self):
        """True once a startup handshake reaches ReadyForQuery (a TCP accept alone is not enough: while it recovers,
        PostgreSQL accepts and then refuses with 'the database system is starting up')."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                parameters = b"user\0docket\0database\0postgres\0\0"
                conn.sendall(struct.pack("!ii", 8 + len(parameters), 196608) + parameters)
                buffer = b""
                while True:
                    while len(buffer) >= 5 and len(buffer) >= 1 + struct.unpack("!i", buffer[1:5])[0]:
                        kind, length = buffer[:1], struct.unpack("!i", buffer[1:5])[0]
                        if kind == b"Z":
                            conn.sendall(b"X\0\0\0\4")
                            return True
                        if kind == b"E":
                            return False
                        buffer = buffer[1 + length:]
                    chunk = conn.recv(4096)
                    if not chunk:
                        return False
                    buffer += chunk
        except OSError:
            return False

    def wait_accepting(self, limit=60):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.accepting():
                return time.monotonic()
            time.sleep(0.01)
        raise RuntimeError(f"PostgreSQL did not accept connections within {limit} s")

    def freeze(self):
        """SIGSTOPs the postmaster (it forks nothing new) and returns it with its children: the processes to kill."""
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            postmaster = int(f.readline())
        os.kill(postmaster, signal.SIGSTOP)
        children = []
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == postmaster:
                        children.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
        return [postmaster] + children

    @staticmethod
    def wait_gone(pids, limit=15):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            # Gone means reaped: a zombie postmaster still owns its PID, and a new one refuses to start beside it.
            if not any(os.path.exists(f"/proc/{pid}") for pid in pids):
                return
            time.sleep(0.02)
        raise RuntimeError(f"PostgreSQL processes {pids} still alive {limit} s after kill -9")

    def stop(self):
        subprocess.run([os.path.join(ROOT, "scripts", "postgres-cluster"), "stop", self.dir], capture_output=True, timeout=90)


class Writers:
    """Threads that create tasks as fast as the node answers, each on its own keep-alive connection. Every request is
    recorded: `sent` once its bytes are handed to the socket, `answered` once its response is read or it failed."""

    def __init__(self, port, token, label, count=WRITERS):
        self.port, self.token, self.label = port, token, label
        self.lock = threading.Lock()
        self.in_flight = {}     # title -> record, between sent and answered
        self.records = []       # every request that was sent
        self.acked = {}         # id -> title for every 201
        self.refused = 0        # connection attempts refused before anything was sent (the node is down)
        self.broken = []        # unexpected exceptions in a writer thread
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(index,), daemon=True) for index in range(count)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def _run(self, index):
        try:
            self._loop(index)
        except Exception as error:  # a bug in this script, not a server failure: the round must not pass
            self.broken.append(repr(error))

    def _loop(self, index):
        conn, counter = None, 0
        headers = {"Content-Type": "application/json", "Authorization": "Bearer " + self.token}
        while not self.stopping.is_set():
            counter += 1
            title = f"{self.label}-w{index}-{counter}"
            record = {"title": title, "sent": None, "answered": None, "status": None, "id": None, "problem": None,
                      "retry_after": None, "error": None}
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=CLIENT_TIMEOUT)
            try:
                conn.request("POST", "/api/v1/tasks", json.dumps({"title": title}), headers)
                with self.lock:
                    record["sent"] = time.monotonic()
                    self.in_flight[title] = record
                response = conn.getresponse()
                payload = response.read()
                try:
                    body = json.loads(payload) if payload else {}
                except ValueError:
                    body = {}
                record["retry_after"] = response.getheader("Retry-After")
                if response.status == 201:
                    record["id"] = body.get("id")
                else:
                    record["problem"] = body.get("type")
                record["status"] = response.status
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                conn = None
                if record["sent"] is None:
                    with self.lock:
                        self.refused += 1
                    time.sleep(0.01)
                    continue
                record["error"] = type(error).__name__
            with self.lock:
                record["answered"] = time.monotonic()
                self.in_flight.pop(title, None)
                self.records.append(record)
                if record["status"] == 201:
                    self.acked[record["id"]] = title
        if conn is not None:
            conn.close()

    def kill_when_in_flight(self, prepare, kill, minimum=MIN_IN_FLIGHT, limit=10):
        """Waits (at most `limit` s) until `minimum` requests are unanswered, runs prepare(), then kill(prepare's
        result) while holding the lock, so the snapshot of unanswered requests is the one at the moment of the kill.
        Returns (kill time, records in flight at that moment, what prepare() returned)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and len(self.in_flight) < minimum:
            time.sleep(0.001)
        prepared = prepare()
        with self.lock:
            kill(prepared)
            killed_at = time.monotonic()
            in_flight = [r for r in self.in_flight.values() if r["status"] is None and r["error"] is None]
        return killed_at, in_flight, prepared

    def first_success_after(self, moment, limit):
        """The answer time of the first 201 answered at or after `moment`, waiting at most `limit` s for one."""
        deadline = time.monotonic() + limit
        while True:
            with self.lock:
                answered = [r["answered"] for r in self.records if r["status"] == 201 and r["answered"] >= moment]
            if answered:
                return min(answered)
            if time.monotonic() > deadline:
                return None
            time.sleep(0.01)

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=CLIENT_TIMEOUT + 5)
        if any(thread.is_alive() for thread in self.threads):
            raise RuntimeError("a writer did not stop")


def all_tasks(port, token):
    found, cursor = {}, None
    for _ in range(10_000):
        suffix = "&cursor=" + urllib.parse.quote(cursor, safe="") if cursor else ""
        status, body = call(port, "GET", "/api/v1/tasks?limit=100" + suffix, token=token)
        if status != 200:
            raise RuntimeError(f"listing failed: {status}")
        for item in body["items"]:
            found.setdefault(item["title"], []).append(item["id"])
        cursor = body.get("next_cursor")
        if not cursor:
            return found
    raise RuntimeError("listing did not end")


def missing_acknowledged(port, token, acked, give_up_after=20):
    """Looks every acknowledged create up by id (GET /api/v1/tasks/{id}, 8 threads). Returns the ids that are missing
    or hold another title, and the ids that could not be looked up (an answer other than 200 or 404; after
    `give_up_after` of those the rest are not tried, so a node that stays broken cannot stretch the check)."""
    pending = list(acked.items())
    missing, unanswered = [], []
    lock = threading.Lock()

    def lookup():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
        headers = {"Authorization": "Bearer " + token}
        while True:
            with lock:
                if not pending:
                    break
                if len(unanswered) >= give_up_after:
                    unanswered.extend(task_id for task_id, _ in pending)
                    pending.clear()
                    break
                task_id, title = pending.pop()
            try:
                conn.request("GET", f"/api/v1/tasks/{task_id}", headers=headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
                status, payload = None, b""
            with lock:
                if status == 404 or (status == 200 and json.loads(payload).get("title") != title):
                    missing.append(task_id)
                elif status != 200:
                    unanswered.append(task_id)
        conn.close()
    threads = [threading.Thread(target=lookup) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=CLIENT_TIMEOUT * (give_up_after + 2))
    return missing, unanswered


def describe(records):
    """{'503': 12, 'TimeoutError': 1}: what a list of request records ended with."""
    kinds = {}
    for r in records:
        kind = str(r["status"] or r["error"])
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def verify_round(label, node, token, writers, killed_at, in_flight):
    """The checks every round shares; returns (acknowledged, in flight, cut, lost, unverifiable)."""
    acked = dict(writers.acked)
    before = [r for r in writers.records if r["answered"] < killed_at and r["status"] != 201]
    cut = [r for r in in_flight if r["status"] is None]       # no answer at all: the kill cut them off
    missing, unanswered = missing_acknowledged(node.port, token, acked)
    try:
        stored = all_tasks(node.port, token)
        duplicates = [title for title, ids in stored.items() if len(ids) > 1]
        committed_unacked = sum(len(ids) for ids in stored.values()) - (len(acked) - len(missing))
    except RuntimeError as error:
        duplicates, committed_unacked = [], f"unknown ({error})"
    check(not before, f"{label}: every request before the kill succeeded ({len(before)} did not: {describe(before)})")
    check(len(in_flight) >= MIN_IN_FLIGHT, f"{label}: {len(in_flight)} requests in flight at the kill "
          f"(>= {MIN_IN_FLIGHT}), {len(cut)} of them cut off without an answer")
    check(not writers.broken, f"{label}: the writers ran without exceptions {writers.broken[:3]}")
    check(acked and not missing and not unanswered and not duplicates,
          f"{label}: {len(acked)} acknowledged creates, {len(missing)} lost or altered, {len(unanswered)} unverifiable, "
          f"{len(duplicates)} stored twice; {committed_unacked} committed without an acknowledgement")
    return len(acked), len(in_flight), len(cut), len(missing), len(unanswered)


def crash(binary, backend, rounds, work):
    postgres_rounds = 1 if backend == "postgres" else 0
    print(f"Crash under {WRITERS} concurrent writers, {backend}: {rounds} kill -9 of the node"
          + (", then one kill -9 of PostgreSQL:" if postgres_rounds else ":"))
    started = time.monotonic()
    extra, cluster = {}, None
    if backend == "postgres":
        cluster = Cluster(os.path.join(work, "pg"))
        extra["DATABASE_URL"] = cluster.create_database("docket_crash")
        settings = {name: Cluster.show(extra["DATABASE_URL"], name) for name in ("fsync", "synchronous_commit",
                                                                                  "full_page_writes")}
        check(settings == {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"},
              f"the crash cluster is durable: {settings}")
    node = Node(binary, os.path.join(work, "crash-data"), base_env(extra))
    totals = {"acked": 0, "lost": 0, "unverifiable": 0, "in_flight": [], "cut": []}
    recovery = None
    try:
        node.start()
        for round_number in range(rounds + postgres_rounds):
            kill_postgres = round_number == rounds
            label = f"round {round_number + 1} ({'kill -9 PostgreSQL' if kill_postgres else 'kill -9 node'})"
            token = register(node.port, f"crash-{round_number}@example.com")
            writers = Writers(node.port, token, f"r{round_number}")
            writers.start()
            time.sleep(1.0 + random.random())
            if kill_postgres:
                def kill(pids):
                    for pid in pids:
                        os.kill(pid, signal.SIGKILL)
                node_pid = node.process.pid
                killed_at, in_flight, pids = writers.kill_when_in_flight(cluster.freeze, kill)
                cluster.wait_gone(pids)
                time.sleep(1.0)                       # writes keep coming while PostgreSQL is down
                cluster.start_no_wait()
                accepting_at = cluster.wait_accepting()
                recovered_at = writers.first_success_after(accepting_at, limit=30)
                recovery = recovered_at - accepting_at if recovered_at else None
                time.sleep(1.0)
                writers.stop()
                check(node.process.poll() is None and node.process.pid == node_pid, f"{label}: the node kept running")
                check(recovery is not None and recovery <= RECOVERY_LIMIT,
                      f"{label}: first successful write {recovery and round(recovery, 3)} s after PostgreSQL "
                      f"accepted connections again (<= {RECOVERY_LIMIT} s)")
                after = [r for r in writers.records if r["answered"] >= killed_at and r["status"] != 201]
                # A write whose COMMIT was on the wire at the kill cannot know its outcome: 504 outcome-unknown is the
                # honest answer for those (and only those); the acknowledged/stored totals below judge what landed.
                flying = {id(r) for r in in_flight}
                wrong = [r for r in after if not (r["status"] == 503 or (r["status"] == 504 and id(r) in flying
                                                                          and r["problem"] == OUTCOME_UNKNOWN))]
                check(not wrong, f"{label}: requests after the kill were answered 201 or 503 (504 outcome-unknown only "
                                 f"for the {len(in_flight)} in flight at the kill): {describe(after)}, wrong: {describe(wrong)}")
            else:
                killed_at, in_flight, _ = writers.kill_when_in_flight(lambda: None,
                                                                      lambda _: node.process.send_signal(signal.SIGKILL))
                node.process.wait(timeout=30)
                writers.stop()
                node.start()
            acked, flying, cut, lost, unverifiable = verify_round(label, node, token, writers, killed_at, in_flight)
            totals["acked"] += acked
            totals["lost"] += lost
            totals["unverifiable"] += unverifiable
            totals["in_flight"].append(flying)
            totals["cut"].append(cut)
    finally:
        code = node.stop()
        if cluster:
            cluster.stop()
        if (results["failed"] or code != 0) and node.errors():
            print("--- node log: errors\n" + node.errors())
    check(code == 0, f"SIGTERM stops the node cleanly: exit {code}")
    summary = (f"crash {backend}: rounds={rounds + postgres_rounds} node_kills={rounds} postgres_kills={postgres_rounds} "
               f"writers={WRITERS} acknowledged={totals['acked']} in_flight_at_kill_min={min(totals['in_flight'], default=0)} "
               f"in_flight_at_kill_max={max(totals['in_flight'], default=0)} cut_at_kill_min={min(totals['cut'], default=0)} "
               f"lost={totals['lost']} unverifiable={totals['unverifiable']}")
    if postgres_rounds:
        summary += f" recovery_after_postgres_kill_s={recovery if recovery is None else round(recovery, 3)}"
    print(summary + f" seconds={time.monotonic() - started:.0f}")


def outage(binary, work):
    print(f"PostgreSQL outage (fast shutdown, down 3 s) under {WRITERS} concurrent writers:")
    started = time.monotonic()
    cluster = Cluster(os.path.join(work, "pg-outage"))
    node = Node(binary, os.path.join(work, "outage-data"), base_env({"DATABASE_URL": cluster.create_database("docket_outage"),
                                                                    "DOCKET_AUTH_CACHE_TTL": "1"}))
    try:
        node.start()
        node_pid = node.process.pid
        token = register(node.port, "outage@example.com")
        writers = Writers(node.port, token, "outage")
        writers.start()
        time.sleep(2)
        stopping_at = time.monotonic()
        cluster.stop_fast()
        down_at = time.monotonic()
        ready_503_after = None
        while time.monotonic() - down_at < 3:
            try:
                status = call(node.port, "GET", "/ready")[0]
            except OSError:
                status = None
            if status == 503 and ready_503_after is None:
                ready_503_after = time.monotonic() - stopping_at
            time.sleep(0.05)
        starting_at = time.monotonic()
        cluster.start_no_wait()
        accepting_at = cluster.wait_accepting()
        recovered_at = writers.first_success_after(accepting_at, limit=30)
        recovery = recovered_at - accepting_at if recovered_at else None
        time.sleep(2)
        writers.stop()
        ready_after = call(node.port, "GET", "/ready")[0]

        records = list(writers.records)
        before = [r for r in records if r["answered"] < stopping_at]
        while_down = [r for r in records if down_at <= r["sent"] < starting_at]
        failed = [r for r in records if r["status"] != 201]
        no_answer = [r for r in records if r["error"]]
        proper = [r for r in failed if r["status"] == 503 and r["problem"] == "urn:docket:problem:service-unavailable"
                  and (r["retry_after"] or "").strip().isdigit()]
        kinds = {}
        for r in failed:
            kind = (r["error"] or f"{r['status']} {(r['problem'] or 'no problem type').rsplit(':', 1)[-1]}"
                    + ("" if r["retry_after"] else " without Retry-After"))
            kinds[kind] = kinds.get(kind, 0) + 1
        # Fail fast: every failing request, and every request sent while PostgreSQL was down, whatever its answer.
        judged = failed + [r for r in while_down if r not in failed]
        slowest = max((r["answered"] - r["sent"] for r in judged), default=0.0)
        check(before and all(r["status"] == 201 for r in before), f"{len(before)} writes before the outage, all 201")
        check(ready_503_after is not None, f"/ready is 503 {ready_503_after and round(ready_503_after, 2)} s after the stop began")
        check(len(while_down) >= WRITERS, f"writes kept coming while PostgreSQL was down: {len(while_down)} sent")
        check(failed and len(proper) == len(failed), f"every failing request is a 503 service-unavailable problem with "
              f"Retry-After: {len(proper)} of {len(failed)} ({kinds})")
        check(slowest <= FAIL_FAST_LIMIT, f"answered fast: slowest failing or sent-while-down request {slowest:.3f} s "
              f"(limit {FAIL_FAST_LIMIT} s, client timeout {CLIENT_TIMEOUT:.0f} s); {len(no_answer)} got no answer at all")
        for r in sorted(judged, key=lambda r: r["sent"] - r["answered"])[:5]:
            if r["answered"] - r["sent"] > FAIL_FAST_LIMIT or r not in proper:
                print(f"       {r['status'] or r['error']} for a write sent {r['sent'] - stopping_at:+.3f} s after the "
                      f"stop began, answered after {r['answered'] - r['sent']:.3f} s")
        check(node.process.poll() is None and node.process.pid == node_pid, "the node kept running (no restart)")
        check(recovery is not None and recovery <= RECOVERY_LIMIT, f"first successful write {recovery and round(recovery, 3)} s "
              f"after PostgreSQL accepted connections again (<= {RECOVERY_LIMIT} s)")
        check(ready_after == 200, f"/ready is 200 again: {ready_after}")
        check(not writers.broken, f"the writers ran without exceptions {writers.broken[:3]}")
        missing, unanswered = missing_acknowledged(node.port, token, writers.acked)
        acked_during = sum(r["status"] == 201 and stopping_at <= r["answered"] < accepting_at for r in records)
        acked_after = sum(r["status"] == 201 and r["answered"] >= accepting_at for r in records)
        check(not missing and not unanswered, f"every acknowledged create exists: {len(writers.acked)} acknowledged "
              f"({len(before)} before, {acked_during} during the outage, {acked_after} after), {len(missing)} lost, "
              f"{len(unanswered)} unverifiable")
        print(f"outage postgres: requests={len(records)} acknowledged={len(writers.acked)} sent_while_down={len(while_down)} "
              f"failed={len(failed)} failed_503_retry_after={len(proper)} failed_other={len(failed) - len(proper)} "
              f"no_answer={len(no_answer)} fail_fast_max_s={slowest:.3f} "
              f"ready_503_after_s={ready_503_after and round(ready_503_after, 3)} "
              f"recovery_s={recovery if recovery is None else round(recovery, 3)} lost={len(missing)} "
              f"unverifiable={len(unanswered)} seconds={time.monotonic() - started:.0f}")
    finally:
        code = node.stop()
        cluster.stop()
        if (results["failed"] or code != 0) and node.errors():
            print("--- node log: errors\n" + node.errors())
    check(code == 0, f"SIGTERM stops the node cleanly: exit {code}")


def diskfull(binary, work):
    print("SQLite data directory runs out of space:")
    mount = os.path.join(work, "small-disk")
    os.makedirs(mount)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount], check=True)
    node = Node(binary, mount, base_env())
    try:
        node.start()
        token = register(node.port, "full@example.com")
        call(node.port, "POST", "/api/v1/tasks", {"title": "written before the disk filled"}, token=token)
        filler = os.path.join(mount, "filler")
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=4k", "count=100000"], capture_output=True)
        statuses = [call(node.port, "POST", "/api/v1/tasks", {"title": "x" * 200, "description": "y" * 9000}, token=token)[0]
                    for _ in range(40)]
        check(503 in statuses and 500 not in statuses, f"writes on a full disk answer 503 problems, never 500: {sorted(set(statuses))}")
        status, body = call(node.port, "GET", "/api/v1/tasks?limit=100", token=token)
        check(status == 200, "reads keep working")
        os.remove(filler)
        status, _ = call(node.port, "POST", "/api/v1/tasks", {"title": "after space came back"}, token=token)
        check(status == 201, "writes work again once there is space")
        stored = sum(len(ids) for ids in all_tasks(node.port, token).values())
        acked_during = statuses.count(201)
        check(stored == 2 + acked_during, f"nothing half-written: {stored} tasks stored = 2 + {acked_during} acknowledged while filling")
        check(node.process.poll() is None, "the node did not crash")
        print(f"diskfull sqlite: writes={len(statuses)} status_503={statuses.count(503)} status_500={statuses.count(500)} "
              f"acknowledged={acked_during} stored={stored}")
    finally:
        node.stop()
        subprocess.run(["umount", mount], capture_output=True)


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in ("crash", "outage", "diskfull") or \
            (sys.argv[2] == "crash" and (len(sys.argv) < 4 or sys.argv[3] not in ("sqlite", "postgres"))):
        sys.exit(__doc__)
    binary, action = os.path.abspath(sys.argv[1]), sys.argv[2]

    def out_of_time(*_):
        raise TimeoutError("fault_check ran over 20 minutes")
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(1200)
    work = tempfile.mkdtemp(prefix="docket-fault-")
    os.chmod(work, 0o755)
    try:
        if action == "crash":
            rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 2
            if os.environ.get("RELIABILITY_FULL") == "1":
                rounds = max(rounds, FULL_ROUNDS)
            crash(binary, sys.argv[3], rounds, work)
        elif action == "outage":
            outage(binary, work)
        else:
            diskfull(binary, work)
    except Exception as error:
        check(False, f"the check ran to the end: {type(error).__name__}: {error}")
    finally:
        signal.alarm(0)
        shutil.rmtree(work, ignore_errors=True)
    print(f"fault {action}: {results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
