#!/usr/bin/env python3
"""How many events per second one Docket node delivers to many concurrent SSE clients, and how late they arrive.

    python3 bench/events_fanout.py <docket-binary> [--users 50] [--streams 10] [--writers 8] [--duration 15]

Starts `docket serve` (SQLite, or PostgreSQL with --database-url) on 127.0.0.1, registers `users` accounts, opens
`streams` SSE streams for each (users × streams clients, all read by one selector loop), then `writers` threads create
tasks round-robin across the users for `duration` seconds. Reports the events written per second, the deliveries per
second (each event reaches every stream of its owner), the delivery latency (receive time minus the event's `time`,
same clock) as p50/p99, and whether every stream saw every one of its owner's events exactly once, in order.
Everything stays on 127.0.0.1 and stops by itself.
"""
import argparse
import json
import os
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))
from docket_node import RAISED_LIMITS, DocketNode  # noqa: E402

PASSWORD = "Fanout-Bench-Pass-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, body=None, token=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


class Stream:
    """One SSE connection, parsed incrementally."""

    def __init__(self, port, token, owner):
        self.owner = owner
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall((f"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                           "Accept: text/event-stream\r\n\r\n").encode())
        self.sock.setblocking(False)
        self.buffer = b""
        self.seqs = []
        self.latencies = []

    def feed(self, data, now):
        self.buffer += data
        while b"\n\n" in self.buffer:
            frame, self.buffer = self.buffer.split(b"\n\n", 1)
            for line in frame.split(b"\n"):
                if line.startswith(b"data: "):
                    event = json.loads(line[6:])
                    self.seqs.append(event["seq"])
                    sent = datetime.fromisoformat(event["time"].replace("Z", "+00:00")).timestamp()
                    self.latencies.append((now - sent) * 1000)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--streams", type=int, default=10, help="SSE streams per user")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="docket-fanout-")
    # Rate limiting on with raised budgets: many accounts registered from one address (see scripts/docket_node.py).
    env = {**RAISED_LIMITS, "DOCKET_LOG_LEVEL": "warning", "DOCKET_EVENTS_STREAMS_PER_USER": str(args.streams),
           "DOCKET_EVENTS_STREAMS_PER_NODE": str(args.users * args.streams + 10)}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    node = DocketNode(args.binary, workdir, env)
    port = node.port
    node.start(wait=False)
    server = node.process
    try:
        node.wait_ready(60)
        tokens = [call(port, "POST", "/api/v1/auth/register",
                       {"email": f"fan{i}@example.com", "password": PASSWORD, "name": f"Fan {i}"})["access_token"]
                  for i in range(args.users)]
        selector = selectors.DefaultSelector()
        streams = []
        for owner, token in enumerate(tokens):
            for _ in range(args.streams):
                stream = Stream(port, token, owner)
                selector.register(stream.sock, selectors.EVENT_READ, stream)
                streams.append(stream)
        time.sleep(1)
        print(f"{len(streams)} SSE streams open ({args.users} users × {args.streams})", flush=True)

        created = [0] * args.users
        stop = threading.Event()
        lock = threading.Lock()
        next_user = [0]

        def write():
            while not stop.is_set():
                with lock:
                    user = next_user[0] % args.users
                    next_user[0] += 1
                call(port, "POST", "/api/v1/tasks", {"title": f"fan-out {user}"}, token=tokens[user])
                with lock:
                    created[user] += 1

        reading = [True]

        def read():
            while reading[0]:
                for key, _ in selector.select(timeout=0.2):
                    try:
                        data = key.fileobj.recv(262144)
                    except BlockingIOError:
                        continue
                    if data:
                        key.data.feed(data, time.time())

        reader = threading.Thread(target=read)
        reader.start()
        started = time.time()
        writers = [threading.Thread(target=write) for _ in range(args.writers)]
        for thread in writers:
            thread.start()
        time.sleep(args.duration)
        stop.set()
        for thread in writers:
            thread.join()
        written_in = time.time() - started
        expected = sum(created) * args.streams
        drain_deadline = time.time() + 30
        while sum(len(s.seqs) for s in streams) < expected and time.time() < drain_deadline:
            time.sleep(0.05)
        delivered_in = time.time() - started
        reading[0] = False
        reader.join()
        delivered = sum(len(s.seqs) for s in streams)
        exact = all(s.seqs == list(range(1, created[s.owner] + 1)) for s in streams)
        latencies = sorted(latency for s in streams for latency in s.latencies)
        p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")
        print(f"events written: {sum(created)} in {written_in:.1f} s = {sum(created) / written_in:.0f}/s "
              f"({args.writers} writer threads)")
        print(f"deliveries: {delivered} of {expected} in {delivered_in:.1f} s = {delivered / delivered_in:.0f}/s "
              f"to {len(streams)} streams; every stream exact (all, in order, once): {exact}")
        print(f"delivery latency (commit time to client): p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, "
              f"max {latencies[-1] if latencies else float('nan'):.1f} ms")
        for stream in streams:
            stream.sock.close()
        if delivered != expected or not exact:
            sys.exit(1)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
