#!/usr/bin/env python3
"""The event feed against a live Docket: SSE and WebSocket, order, resume, isolation, slow clients, limits.

    python3 scripts/events_check.py <docket-binary>

On SQLite (one node, started with a 1 s heartbeat, a 32-event stream buffer and 3 streams per user) it proves:
events arrive in `seq` order without gaps; a reader that drops and resumes 50 times (after= and Last-Event-ID, SSE;
20 times over the WebSocket) while another thread writes sees exactly the user's stored events (the JSON pages), no
gap, no duplicate; one user's stream never carries another's events; every feed type is emitted and every envelope
received validates against asyncapi.yaml (scripts/event_contract.py; the webhook.* types are covered by
scripts/webhooks_check.py); a client that stops reading is cut off after a gapless prefix and resumes the rest; the
4th stream of a user gets 429 and closing one frees a slot; a resume point beyond the newest event is a 4xx problem;
an idle stream carries `: heartbeat` comments.

With DOCKET_TEST_POSTGRES_URL set (a server URL such as postgres://docket@127.0.0.1:5432/postgres) it also creates a
fresh database, starts two nodes behind nginx, resumes through nginx (so reconnections land on either node), and
measures how soon a stream opened on node B receives 200 tasks created through node A (p50/p99; each must be < 1 s).

Needs PyYAML, jsonschema, referencing and websockets (PyPI). Every process it starts is stopped before it exits;
all traffic stays on 127.0.0.1; every wait is bounded and the whole run is cut off after 15 minutes.
"""
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import event_contract  # noqa: E402
from docket_node import RAISED_LIMITS, DocketNode, free_port  # noqa: E402

try:
    from websockets.sync.client import connect as ws_connect
    from websockets.exceptions import ConnectionClosed
except ImportError:  # reported as a failure of the WebSocket scenarios
    ws_connect = None

PASSWORD = "Events-Check-Pass-1"
WEBHOOK_TYPES = {"webhook.disabled", "webhook.test"}   # proved by scripts/webhooks_check.py
results = {"passed": 0, "failed": 0}
seen_types = set()
contract_errors = []
framing_errors = []


def check(condition, message):
    print(("  ok   " if condition else "  FAIL ") + message, flush=True)
    results["passed" if condition else "failed"] += 1
    return condition


def record(envelope, origin):
    """Every envelope any scenario receives (origin: SSE, WebSocket or JSON page) is checked against the contract."""
    if not isinstance(envelope, dict):
        contract_errors.append((origin, f"not an object: {envelope!r:.100}"))
        return
    seen_types.add(envelope.get("type"))
    for error in event_contract.validate(envelope):
        contract_errors.append((origin, f"{envelope.get('type')} {error}"))


# ---- HTTP ---------------------------------------------------------------------------------------------------------

def http(port, method, path, body=None, token=None, headers=None, timeout=15):
    """(status, headers, parsed JSON or text)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, got, payload = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, got, payload = error.code, error.headers, error.read()
    try:
        return status, got, json.loads(payload) if payload else None
    except ValueError:
        return status, got, payload.decode(errors="replace")


class Account:
    """A registered user: token and id."""

    def __init__(self, port, label):
        email = f"{label}-{random.getrandbits(40):x}@example.com"
        status, _, tokens = http(port, "POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD, "name": label})
        if status != 201:
            raise RuntimeError(f"register {email}: {status} {tokens}")
        self.token = tokens["access_token"]
        self.id = http(port, "GET", "/api/v1/users/me", token=self.token)[2]["id"]
        self.label = label


def create_task(port, account, title, **fields):
    status, _, task = http(port, "POST", "/api/v1/tasks", {"title": title, **fields}, token=account.token)
    if status != 201:
        raise RuntimeError(f"create task: {status} {task}")
    return task


def patch_task(port, account, task_id, changes):
    status, _, task = http(port, "PATCH", f"/api/v1/tasks/{task_id}", changes, token=account.token)
    if status != 200:
        raise RuntimeError(f"patch task: {status} {task}")
    return task


def delete_task(port, account, task_id):
    status = http(port, "DELETE", f"/api/v1/tasks/{task_id}", token=account.token)[0]
    if status != 204:
        raise RuntimeError(f"delete task: {status}")


def stored_events(port, account, after=0):
    """Every stored event after `after`, through the JSON pages (limit 500)."""
    events = []
    while True:
        status, _, page = http(port, "GET", f"/api/v1/events?after={after}&limit=500", token=account.token,
                               headers={"Accept": "application/json"})
        if status != 200:
            raise RuntimeError(f"event page: {status} {page}")
        for envelope in page["items"]:
            record(envelope, "JSON page")
        events.extend(page["items"])
        if not page["items"] or page["items"][-1]["seq"] >= page["last_seq"]:
            return events
        after = page["items"][-1]["seq"]


def last_seq(port, account):
    status, _, page = http(port, "GET", "/api/v1/events?limit=1", token=account.token, headers={"Accept": "application/json"})
    if status != 200:
        raise RuntimeError(f"event page: {status} {page}")
    return page["last_seq"]


# ---- a raw SSE client ---------------------------------------------------------------------------------------------

class SSEStream:
    """GET /api/v1/events on a plain socket: parses the response head, de-chunks the body, splits SSE messages.

    A raw socket (not urllib) so a test can shrink the receive buffer and stop reading, and can tell the server
    closing the stream apart from a read timing out."""

    def __init__(self, port, token, after=None, last_event_id=None, types=None, rcvbuf=None, timeout=10):
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        query = urllib.parse.urlencode({k: v for k, v in (("after", after), ("types", types)) if v is not None})
        lines = [f"GET /api/v1/events{'?' + query if query else ''} HTTP/1.1", f"Host: 127.0.0.1:{port}",
                 "Accept: text/event-stream"]
        if token:
            lines.append(f"Authorization: Bearer {token}")
        if last_event_id is not None:
            lines.append(f"Last-Event-ID: {last_event_id}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.raw, self.body = b"", b""
        self.closed = False          # the server closed the connection
        self.ended = False           # the body ended (last chunk, or Content-Length reached)
        self.chunk_left, self.need_crlf, self.length = 0, False, None
        self.heartbeats, self.retry, self.problem = 0, None, None
        self._read_head(time.time() + timeout)
        if self.status != 200:
            try:
                self._read_to_end(time.time() + timeout)
            except TimeoutError:
                pass
            try:
                self.problem = json.loads(self.body)
            except ValueError:
                self.problem = self.body.decode(errors="replace")

    def _pump(self, deadline):
        remaining = deadline - time.time()
        if remaining <= 0:
            raise TimeoutError("SSE read timed out")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("SSE read timed out") from None
        except ConnectionResetError:
            data = b""
        if not data:
            self.closed = True
        self.raw += data
        if hasattr(self, "status"):
            self._decode()

    def _read_head(self, deadline):
        while b"\r\n\r\n" not in self.raw:
            if self.closed:
                raise ConnectionError("closed before the response head")
            self._pump(deadline)
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        if not self.chunked and "content-length" in self.headers:
            self.length = int(self.headers["content-length"])
        self._decode()

    def _decode(self):
        if not self.chunked:
            if self.length is None:
                self.body, self.raw = self.body + self.raw, b""
            else:
                take = self.raw[:self.length]
                self.body, self.raw, self.length = self.body + take, self.raw[len(take):], self.length - len(take)
                self.ended = self.length == 0
            return
        while True:
            if self.need_crlf:
                if len(self.raw) < 2:
                    return
                self.raw, self.need_crlf = self.raw[2:], False
            if self.chunk_left == 0:
                if self.ended or b"\r\n" not in self.raw:
                    return
                size_line, self.raw = self.raw.split(b"\r\n", 1)
                self.chunk_left = int(size_line.split(b";")[0], 16)
                if self.chunk_left == 0:
                    self.ended = True
                    return
            take = self.raw[:self.chunk_left]
            self.body, self.raw = self.body + take, self.raw[len(take):]
            self.chunk_left -= len(take)
            if self.chunk_left:
                return
            self.need_crlf = True

    def _read_to_end(self, deadline):
        while not (self.ended or self.closed):
            self._pump(deadline)

    def next_message(self, timeout=10):
        """The next SSE message as {field: value, 'comments': [...]}; None once the stream has ended."""
        deadline = time.time() + timeout
        while True:
            self.body = self.body.replace(b"\r\n", b"\n")
            if b"\n\n" in self.body:
                block, self.body = self.body.split(b"\n\n", 1)
                message = {"comments": []}
                for line in block.decode().split("\n"):
                    if line.startswith(":"):
                        message["comments"].append(line[1:].strip())
                    else:
                        name, _, value = line.partition(":")
                        message[name] = value[1:] if value.startswith(" ") else value
                return message
            if self.ended or self.closed:
                return None
            self._pump(deadline)

    def next_event(self, timeout=10):
        """The next event's envelope (heartbeats and `retry:` are counted and skipped); None once the stream ended."""
        deadline = time.time() + timeout
        while True:
            message = self.next_message(max(0.01, deadline - time.time()))
            if message is None:
                return None
            self.heartbeats += sum(1 for comment in message["comments"] if comment == "heartbeat")
            if "retry" in message:
                self.retry = message["retry"]
            if "data" not in message:
                continue
            envelope = json.loads(message["data"])
            record(envelope, "SSE")
            if message.get("id") != str(envelope.get("seq")) or message.get("event") != envelope.get("type"):
                framing_errors.append(f"id {message.get('id')!r} event {message.get('event')!r} for seq "
                                      f"{envelope.get('seq')} type {envelope.get('type')}")
            return envelope

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def read_until(stream_next, predicate, limit=30):
    """Events from `stream_next` until one satisfies `predicate` (inclusive) or `limit` seconds pass."""
    events, deadline = [], time.time() + limit
    while time.time() < deadline:
        try:
            envelope = stream_next(max(0.05, deadline - time.time()))
        except TimeoutError:
            break
        if envelope is None:
            break
        events.append(envelope)
        if predicate(envelope):
            break
    return events


def describe_difference(live, page, path=""):
    """Where two envelopes first differ, e.g. `/time: '…123456Z' streamed, '…Z' paged`."""
    if isinstance(live, dict) and isinstance(page, dict):
        for key in sorted(set(live) | set(page)):
            if live.get(key, "<absent>") != page.get(key, "<absent>"):
                return describe_difference(live.get(key, "<absent>"), page.get(key, "<absent>"), f"{path}/{key}")
    return f"{path or '/'}: {live!r:.60} streamed, {page!r:.60} paged"


def is_gapless(seqs, first=1):
    return seqs == list(range(first, first + len(seqs)))


# ---- WebSocket --------------------------------------------------------------------------------------------------

class SocketStream:
    """The WebSocket feed: each text message is one envelope."""

    def __init__(self, port, token, after=None, auth_message=False, types=None):
        query = urllib.parse.urlencode({k: v for k, v in (("after", after), ("types", types)) if v is not None})
        headers = {} if auth_message else {"Authorization": f"Bearer {token}"}
        self.ws = ws_connect(f"ws://127.0.0.1:{port}/api/v1/events/ws{'?' + query if query else ''}",
                             additional_headers=headers, open_timeout=10, close_timeout=2).__enter__()
        if auth_message:
            self.ws.send(json.dumps({"type": "auth", "token": token}))

    def next_event(self, timeout=10):
        try:
            text = self.ws.recv(timeout=timeout)
        except TimeoutError:
            raise
        except ConnectionClosed:
            return None
        envelope = json.loads(text)
        record(envelope, "WebSocket")
        return envelope

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass


# ---- a writer that keeps a user busy ------------------------------------------------------------------------------

class Writer(threading.Thread):
    """Creates, patches (title, completion), and deletes tasks for one user until stopped (bounded in count)."""

    def __init__(self, port, account, limit=4000, pause=0.0):
        super().__init__(daemon=True)
        self.port, self.account, self.limit, self.pause = port, account, limit, pause
        self.stop = threading.Event()
        self.operations, self.error = 0, None

    def run(self):
        try:
            index = 0
            while not self.stop.is_set() and self.operations < self.limit:
                task = create_task(self.port, self.account, f"busy {index}")
                patch_task(self.port, self.account, task["id"], {"title": f"busy {index} renamed"})
                self.operations += 2
                if index % 3 == 0:
                    patch_task(self.port, self.account, task["id"], {"status": "done"})
                    self.operations += 1
                if index % 2 == 0:
                    delete_task(self.port, self.account, task["id"])
                    self.operations += 1
                index += 1
                if self.pause:
                    time.sleep(self.pause)
        except Exception as error:  # reported by the scenario
            self.error = error


# ---- scenarios ----------------------------------------------------------------------------------------------------

def scenario_order(port, label):
    """A burst of concurrent writes arrives in seq order, gapless, SSE id/event matching the envelope."""
    account = Account(port, "order")
    stream = SSEStream(port, account.token, after=0)
    check(stream.status == 200 and stream.headers.get("content-type", "").startswith("text/event-stream"),
          f"{label}: GET /api/v1/events (Accept: text/event-stream) opens a stream ({stream.status})")
    threads = [threading.Thread(target=lambda n=n: [create_task(port, account, f"burst {n}-{i}") for i in range(25)])
               for n in range(4)]
    for thread in threads:
        thread.start()
    events = read_until(stream.next_event, lambda e: e["seq"] >= 100)
    for thread in threads:
        thread.join()
    stream.close()
    seqs = [event["seq"] for event in events]
    check(is_gapless(seqs) and len(seqs) == 100, f"{label}: 100 concurrent creations arrive as seq 1..100 in order "
          f"({len(seqs)} received{'' if is_gapless(seqs) else ', out of order or with gaps'})")
    check(stream.retry == "2000", f"{label}: the stream starts with retry: 2000 (got {stream.retry!r})")
    check(len({event["id"] for event in events}) == len(events), f"{label}: event ids are unique")
    both = SSEStream(port, account.token, after=90, last_event_id=50)
    first = both.next_event(10)
    both.close()
    check(first is not None and first["seq"] == 51, f"{label}: Last-Event-ID (what EventSource sends on a reconnect) wins "
          f"over after= (first seq {first and first['seq']} for after=90, Last-Event-ID: 50)")
    status, _, page = http(port, "GET", "/api/v1/events?after=10&limit=5", token=account.token,
                           headers={"Accept": "application/json"})
    check(status == 200 and [e["seq"] for e in page["items"]] == [11, 12, 13, 14, 15] and page["last_seq"] == 100,
          f"{label}: a JSON page holds `limit` events after `after` and the newest seq ({status})")
    return account


def resume_rounds(port, account, rounds, open_stream, label, first_after=0):
    """Connects `rounds` times, each time resuming after the last seq seen, reading a random number of events while
    a writer keeps changing tasks; then catches up and compares with the stored events."""
    writer = Writer(port, account)
    writer.start()
    seen, last, early_ends = [], first_after, 0
    rng = random.Random(rounds * 7919 + port)
    try:
        for round_index in range(rounds):
            stream = open_stream(last, round_index)
            wanted = rng.randint(1, 15)
            for _ in range(wanted):
                try:
                    envelope = stream.next_event(10)
                except TimeoutError:
                    envelope = None
                if envelope is None:
                    early_ends += 1
                    break
                seen.append(envelope)
                last = envelope["seq"]
            stream.close()
    finally:
        writer.stop.set()
        writer.join(30)
    check(writer.error is None, f"{label}: the writer ran without errors ({writer.operations} changes"
          f"{'' if writer.error is None else ': ' + str(writer.error)})")
    newest, catch_ups = last_seq(port, account), 0
    while last < newest and catch_ups < 50:   # catch up, resuming again if the server ends the stream
        stream = open_stream(last, rounds + catch_ups)
        caught = read_until(stream.next_event, lambda e: e["seq"] >= newest)
        stream.close()
        if not caught:
            break
        seen.extend(caught)
        last, catch_ups = caught[-1]["seq"], catch_ups + 1
    stored = stored_events(port, account, after=first_after)
    seqs = [event["seq"] for event in seen]
    duplicates = len(seqs) - len(set(seqs))
    check(duplicates == 0, f"{label}: no event seen twice across {rounds} reconnections ({duplicates} duplicates)")
    check(is_gapless(seqs, first_after + 1), f"{label}: the union is gapless and in order "
          f"({len(seqs)} events, seq {seqs[:1]}..{seqs[-1:]})")
    check([event["id"] for event in seen] == [event["id"] for event in stored],
          f"{label}: the reader saw exactly the stored events of the JSON pages ({len(seen)} seen, {len(stored)} stored)")
    differing = [(live, page) for live, page in zip(seen, stored) if live != page]
    check(not differing, f"{label}: each streamed envelope is identical to the stored one"
          + (f" ({len(differing)} differ; first: {describe_difference(*differing[0])})" if differing else ""))
    if early_ends:
        print(f"  note {label}: {early_ends} rounds ended early (the server closed or 10 s passed)")


def scenario_resume_sse(port, label, rounds=50):
    account = Account(port, "resume")

    def open_stream(last, round_index):
        # Alternate the two ways of resuming; the first round uses after=0 (everything from the start).
        if round_index % 2 == 0:
            return SSEStream(port, account.token, after=last)
        return SSEStream(port, account.token, last_event_id=last)
    resume_rounds(port, account, rounds, open_stream, f"{label}: SSE resume ×{rounds} (after= and Last-Event-ID)")


def scenario_resume_ws(port, label, rounds=20):
    if not check(ws_connect is not None, f"{label}: websockets is installed (pip install websockets)"):
        return
    account = Account(port, "resume-ws")

    def open_stream(last, round_index):
        return SocketStream(port, account.token, after=last, auth_message=round_index % 2 == 1)
    resume_rounds(port, account, rounds, open_stream, f"{label}: WebSocket resume ×{rounds} (header and first-message auth)")


def scenario_websocket_errors(port, label):
    if ws_connect is None:
        return
    account = Account(port, "ws-errors")
    codes = {}
    for name, kwargs in (("no credentials", {"token": "", "auth_message": True}),
                         ("a bad token", {"token": "not-a-token"}),
                         ("a bad after", {"token": account.token, "after": "abc"})):
        try:
            stream = SocketStream(port, **kwargs)
            if name == "no credentials":   # send nothing: a bad auth message instead of waiting 10 s
                stream.ws.send(json.dumps({"type": "auth", "token": "nope"}))
            stream.ws.recv(timeout=12)
            codes[name] = "open"
        except ConnectionClosed as closed:
            codes[name] = closed.rcvd.code if closed.rcvd else None
        except Exception as error:  # a refused upgrade
            codes[name] = getattr(getattr(error, "response", None), "status_code", type(error).__name__)
    check(codes["no credentials"] in (4401, 401) and codes["a bad token"] in (4401, 401),
          f"{label}: WebSocket without valid credentials is refused (4401 or 401): {codes}")
    check(codes["a bad after"] in (4400, 400), f"{label}: WebSocket with after=abc is refused (4400 or 400): {codes['a bad after']}")


def scenario_unauthenticated_cap(port, label):
    """Sockets that never authenticate are capped per address (16): the 17th is closed at once with 4429."""
    if ws_connect is None:
        return
    held, code = [], None
    try:
        for _ in range(16):
            held.append(ws_connect(f"ws://127.0.0.1:{port}/api/v1/events/ws", open_timeout=10, close_timeout=2).__enter__())
        extra = ws_connect(f"ws://127.0.0.1:{port}/api/v1/events/ws", open_timeout=10, close_timeout=2).__enter__()
        try:
            extra.recv(timeout=5)
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
        except TimeoutError:
            code = "still open"
        extra.close()
    finally:
        for socket_ in held:
            socket_.close()
    check(code == 4429, f"{label}: a 17th unauthenticated WebSocket from one address is closed with 4429 ({code})")
    account = Account(port, "ws-after-cap")
    stream = SocketStream(port, account.token, after=0, auth_message=True)
    marker = create_task(port, account, "after the cap")
    events = read_until(stream.next_event, lambda e: e["subject"] == f"tasks/{marker['id']}")
    stream.close()
    check(any(e["subject"] == f"tasks/{marker['id']}" for e in events),
          f"{label}: once they close, the address authenticates a new socket and gets its events")


def scenario_isolation(port, label):
    alice, bob = Account(port, "alice"), Account(port, "bob")
    stream = SSEStream(port, bob.token, after=0)
    for index in range(20):
        create_task(port, alice, f"alice's secret {index}")
    marker = create_task(port, bob, "bob's marker")
    events = read_until(stream.next_event, lambda e: e["subject"] == f"tasks/{marker['id']}")
    stream.close()
    foreign = [e for e in events if e["data"].get("task", {}).get("user_id", bob.id) != bob.id
               or (e["subject"].startswith("users/") and e["subject"] != f"users/{bob.id}")]
    check(events and events[-1]["subject"] == f"tasks/{marker['id']}" and not foreign,
          f"{label}: user B's stream carries only B's events ({len(events)} received, {len(foreign)} foreign)")
    check(all(e["data"]["task"]["user_id"] == bob.id for e in stored_events(port, bob)),
          f"{label}: user B's stored events are B's alone")
    check(http(port, "GET", "/api/v1/events", headers={"Accept": "text/event-stream"})[0] == 401,
          f"{label}: a stream without a token is 401")


def scenario_types(port, label):
    """Each documented feed type is emitted by the change that should emit it; a types filter works."""
    account = Account(port, "types")
    everything = SSEStream(port, account.token, after=0)
    filtered = SSEStream(port, account.token, after=0, types="task.deleted,user.updated")
    task = create_task(port, account, "typed", description="first", priority="low", due_date="2026-12-24")
    patch_task(port, account, task["id"], {"title": "typed again", "description": None})
    patch_task(port, account, task["id"], {"status": "done"})
    patch_task(port, account, task["id"], {"status": "in_progress", "priority": "high"})
    delete_task(port, account, task["id"])
    check(http(port, "PATCH", "/api/v1/users/me", {"name": "Renamed"}, token=account.token)[0] == 200,
          f"{label}: PATCH /api/v1/users/me renames")
    events = read_until(everything.next_event, lambda e: e["type"] == "user.updated")
    types = [e["type"] for e in events]
    expected = ["task.created", "task.updated", "task.completed", "task.reopened", "task.deleted", "user.updated"]
    check(types == expected, f"{label}: create, title, complete, reopen, delete, rename emit {types}")
    if types == expected:
        updated, completed, reopened = events[1], events[2], events[3]
        check(updated["data"]["changes"] == {"title": {"from": "typed", "to": "typed again"},
                                             "description": {"from": "first", "to": None}},
              f"{label}: task.updated names each changed field with from/to (null when cleared): "
              f"{updated['data']['changes']}")
        check(completed["data"]["changes"].get("status") == {"from": "todo", "to": "done"}
              and reopened["data"]["changes"].get("status") == {"from": "done", "to": "in_progress"}
              and reopened["data"]["changes"].get("priority") == {"from": "low", "to": "high"},
              f"{label}: completion and reopening carry the status change")
        check(events[4]["data"]["task"]["id"] == task["id"] and events[5]["data"]["changes"]["name"]["to"] == "Renamed",
              f"{label}: task.deleted carries the task, user.updated the name change")
        check(all(e["actortype"] == "user" and e.get("actorid") == account.id for e in events),
              f"{label}: a signed-in user's changes say actortype user with the user's id")
    got = read_until(filtered.next_event, lambda e: e["type"] == "user.updated", limit=10)
    check([e["type"] for e in got] == ["task.deleted", "user.updated"],
          f"{label}: types=task.deleted,user.updated receives just those: {[e['type'] for e in got]}")
    # An export announces itself on the feed (a job emits it; the link goes by email only). A stream of its own: the
    # ones above were not read meanwhile, so the server may have cut them as slow.
    exports = SSEStream(port, account.token, after=last_seq(port, account))
    status, _, saga = http(port, "POST", "/api/v1/users/me/export", token=account.token)
    ready = read_until(exports.next_event, lambda e: e["type"] == "export.ready", limit=10) if status == 202 else []
    exports.close()
    check(status == 202 and ready and ready[-1]["type"] == "export.ready" and ready[-1]["subject"] == f"exports/{saga['id']}"
          and ready[-1]["actortype"] == "job" and "link" not in json.dumps(ready[-1]["data"]),
          f"{label}: an export emits export.ready for its id, without the link ({status})")
    everything.close()
    filtered.close()
    status, headers, problem = http(port, "GET", "/api/v1/events?types=task.exploded", token=account.token,
                                    headers={"Accept": "text/event-stream"})
    check(status == 400 and headers.get("Content-Type", "").startswith("application/problem+json"),
          f"{label}: an unknown type in types= is a 400 problem ({status})")


def scenario_beyond_newest(port, label):
    account = Account(port, "beyond")
    create_task(port, account, "one")
    outcomes = {}
    for accept in ("text/event-stream", "application/json"):
        status, headers, problem = http(port, "GET", "/api/v1/events?after=1000", token=account.token,
                                        headers={"Accept": accept})
        outcomes[accept] = (status, headers.get("Content-Type", ""), problem)
    check(all(400 <= status < 500 and kind.startswith("application/problem+json")
              for status, kind, _ in outcomes.values()),
          f"{label}: after= beyond the newest seq is a 4xx problem: "
          f"{ {accept: status for accept, (status, _, _) in outcomes.items()} }")
    status, _, _ = http(port, "GET", "/api/v1/events?after=abc", token=account.token, headers={"Accept": "text/event-stream"})
    check(status == 400, f"{label}: after=abc is 400 ({status})")
    status, _, page = http(port, "GET", "/api/v1/events?limit=501", token=account.token, headers={"Accept": "application/json"})
    check(status == 400, f"{label}: limit=501 is 400 ({status})")
    status, _, page = http(port, "GET", "/api/v1/events", token=account.token, headers={"Accept": "application/json"})
    check(status == 200 and page["last_seq"] == 1 and [e["seq"] for e in page["items"]] == [1],
          f"{label}: the JSON page defaults to after=0 and reports last_seq")


def scenario_slow_client(port, label, total=2000):
    """A client that stops reading is cut off (the buffer is 32 events) after a gapless prefix; resuming gets the rest."""
    account = Account(port, "slow")
    stream = SSEStream(port, account.token, after=0, rcvbuf=4096, timeout=20)
    check(stream.status == 200, f"{label}: the slow client's stream opens")
    long_title = "long title " + "x" * 180
    description = "a long description to fill socket buffers " * 100
    counter = iter(range(total))
    lock = threading.Lock()

    def create_some():
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            create_task(port, account, f"{index} {long_title}"[:200], description=description)
    started = time.time()
    threads = [threading.Thread(target=create_some) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"  note {label}: {total} events with long titles written in {time.time() - started:.1f} s")
    prefix = []
    try:
        while True:
            envelope = stream.next_event(15)
            if envelope is None:
                break
            prefix.append(envelope)
    except TimeoutError:
        pass
    ended = stream.ended or stream.closed
    stream.close()
    seqs = [event["seq"] for event in prefix]
    check(ended, f"{label}: the server ended the stream of a client that did not read")
    check(is_gapless(seqs) and len(seqs) < total,
          f"{label}: what arrived before the cut is a gapless prefix 1..{len(seqs)} of {total}")
    resumed_at = seqs[-1] if seqs else 0
    rest = SSEStream(port, account.token, last_event_id=resumed_at)
    tail = read_until(rest.next_event, lambda e: e["seq"] >= total, limit=60)
    rest.close()
    check(is_gapless(seqs + [event["seq"] for event in tail]) and len(seqs) + len(tail) == total,
          f"{label}: one resume with Last-Event-ID: {resumed_at} delivers the remaining {total - resumed_at} events "
          f"to a client reading as fast as it can ({len(tail)} arrived before the stream ended)")
    whole, reconnects = seqs + [event["seq"] for event in tail], 0
    while whole and whole[-1] < total and reconnects < 200 and is_gapless(whole):
        rest = SSEStream(port, account.token, last_event_id=whole[-1])
        whole += [event["seq"] for event in read_until(rest.next_event, lambda e: e["seq"] >= total, limit=60)]
        rest.close()
        reconnects += 1
    check(is_gapless(whole) and len(whole) == total,
          f"{label}: resuming until the newest event gives all {total}, gapless ({reconnects} more reconnections)")


def scenario_stream_cap(port, label, cap=3):
    account = Account(port, "cap")
    streams = [SSEStream(port, account.token) for _ in range(cap)]
    check(all(stream.status == 200 for stream in streams), f"{label}: {cap} concurrent streams open")
    extra = SSEStream(port, account.token)
    problem = extra.problem if isinstance(extra.problem, dict) else {}
    check(extra.status == 429 and extra.headers.get("content-type", "").startswith("application/problem+json")
          and problem.get("status") == 429,
          f"{label}: stream {cap + 1} of one user is 429 application/problem+json ({extra.status} {extra.headers.get('content-type')})")
    extra.close()
    other = SSEStream(port, Account(port, "cap-other").token)
    check(other.status == 200, f"{label}: another user still gets a stream")
    other.close()
    streams.pop().close()
    reopened, deadline = None, time.time() + 10
    while time.time() < deadline:
        reopened = SSEStream(port, account.token)
        if reopened.status == 200:
            break
        reopened.close()
        time.sleep(0.2)
    check(reopened is not None and reopened.status == 200, f"{label}: closing a stream frees a slot (within 10 s)")
    for stream in streams + [reopened]:
        stream.close()


def scenario_heartbeat(port, label):
    account = Account(port, "idle")
    stream = SSEStream(port, account.token)
    deadline = time.time() + 3.5
    try:
        while time.time() < deadline:
            message = stream.next_message(max(0.01, deadline - time.time()))
            if message is None:
                break
            stream.heartbeats += message["comments"].count("heartbeat")
    except TimeoutError:
        pass
    stream.close()
    check(stream.heartbeats >= 2, f"{label}: an idle stream carries ': heartbeat' every second ({stream.heartbeats} in 3.5 s)")


def scenario_cross_node(a, b, label, count=200):
    """A stream opened on node B receives what is created through node A, each within a second."""
    account = Account(a, "cross")
    stream = SSEStream(b, account.token, after=0)
    received = {}
    stop = threading.Event()

    def reader():
        while not stop.is_set() and len(received) < count:
            try:
                envelope = stream.next_event(1)
            except TimeoutError:
                continue
            if envelope is None:
                return
            received[envelope["subject"]] = time.time()
    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    committed = {}
    for index in range(count):
        before = time.time()   # the commit happens after this, so receive time minus this bounds the latency
        task = create_task(a, account, f"cross {index}")
        committed[f"tasks/{task['id']}"] = before
        time.sleep(0.005)
    deadline = time.time() + 10
    while len(received) < count and time.time() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(5)
    stream.close()
    latencies = sorted(max(0.0, received[subject] - at) for subject, at in committed.items() if subject in received)
    check(len(latencies) == count, f"{label}: the stream on node B received {len(latencies)}/{count} tasks created on node A")
    if latencies:
        p50, p99 = latencies[len(latencies) // 2], latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"  note {label}: commit-to-receive latency p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
              f"max {latencies[-1] * 1000:.1f} ms")
        check(latencies[-1] <= 1.0, f"{label}: every event reached node B's stream within 1 s (max {latencies[-1]:.3f} s)")


def attempt(scenario, *args, **kwargs):
    """Runs one scenario; an exception is one failure, and the other scenarios still run."""
    try:
        return scenario(*args, **kwargs)
    except Exception as error:
        check(False, f"{scenario.__name__} ran to the end: {type(error).__name__}: {error}")
        return None


def report_contract():
    documented = event_contract.feed_types()
    missing = documented - seen_types - WEBHOOK_TYPES
    check(not missing, f"every documented feed type was emitted: {sorted(seen_types & documented)}"
          + (f"; never seen: {sorted(missing)}" if missing else "") + f" (webhook.* covered by webhooks_check.py)")
    check(not (seen_types - event_contract.documented_types()), f"no undocumented type appeared: "
          f"{sorted(seen_types - event_contract.documented_types())}")
    def kind(error):   # the error with its first quoted value blanked, to group alike errors
        return re.sub(r"'[^']*'", "'…'", error, count=1)
    kinds = Counter((origin, kind(error)) for origin, error in contract_errors)
    check(not contract_errors, "every envelope received (SSE, WebSocket, JSON pages) validates against asyncapi.yaml"
          + (f": {len(contract_errors)} errors, grouped below" if contract_errors else ""))
    for (origin, group), count in kinds.most_common(5):
        example = next(error for o, error in contract_errors if o == origin and kind(error) == group)
        print(f"       {count} × {origin}: {example[:220]}")
    check(not framing_errors, "each SSE message's id: and event: match the envelope's seq and type"
          + (f" (first: {framing_errors[:3]})" if framing_errors else ""))


# ---- servers ------------------------------------------------------------------------------------------------------

# Rate limiting on with raised budgets: many accounts and streams from one address (see docket_node.py).
COMMON = {"DOCKET_LOG_LEVEL": "warning", "DOCKET_ARGON2_MEMORY_KIB": "4096", "DOCKET_ARGON2_ITERATIONS": "1",
          **RAISED_LIMITS, "DOCKET_SHUTDOWN_TIMEOUT": "5", "DOCKET_EVENTS_HEARTBEAT_SECONDS": "1",
          "DOCKET_EVENTS_BUFFER": "32", "DOCKET_EVENTS_STALL_SECONDS": "1", "DOCKET_EVENTS_STREAMS_PER_USER": "3"}


def wait_ready(port, process, limit=90):
    deadline = time.time() + limit
    while time.time() < deadline:
        try:
            if http(port, "GET", "/ready", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"the server on {port} exited with {process.returncode}")
        time.sleep(0.1)
    raise RuntimeError(f"the server on {port} was not ready within {limit} s")


def start_node(binary, data, processes, extra=None):
    node = DocketNode(binary, data, {**COMMON, **(extra or {})})
    node.start(wait=False)
    processes.append(node.process)
    node.wait_ready()
    return node.port


def start_nginx(work, upstreams, processes):
    port = free_port()
    servers = "\n".join(f"    server 127.0.0.1:{upstream} max_fails=1 fail_timeout=5s;" for upstream in upstreams)
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
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
{servers}
    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://docket;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_connect_timeout 1s;
    }}
    location = /api/v1/events {{
      proxy_pass http://docket;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_cache off;
      proxy_read_timeout 1h;
      proxy_connect_timeout 1s;
    }}
    location = /api/v1/events/ws {{
      proxy_pass http://docket;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_read_timeout 1h;
      proxy_connect_timeout 1s;
    }}
  }}
}}
""")
    process = subprocess.Popen(["nginx", "-c", conf, "-p", work, "-g", "daemon off; user root;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes.append(process)
    wait_ready(port, process)
    return port


def stop_all(processes):
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_sqlite(binary, work):
    print("Single node on SQLite (heartbeat 1 s, buffer 32, 3 streams per user):")
    processes = []
    try:
        port = start_node(binary, os.path.join(work, "sqlite"), processes)
        label = "sqlite"
        for scenario in (scenario_order, scenario_types, scenario_isolation, scenario_resume_sse, scenario_resume_ws,
                         scenario_websocket_errors, scenario_unauthenticated_cap, scenario_beyond_newest, scenario_heartbeat,
                         scenario_stream_cap,
                         scenario_slow_client):
            attempt(scenario, port, label)
    finally:
        stop_all(processes)


def run_postgres(binary, work, server_url):
    print("Two nodes on PostgreSQL behind nginx:")
    if not check(shutil.which("nginx") is not None, "nginx is installed"):
        return
    database = f"docket_events_{os.getpid()}"
    admin = server_url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {database}"], check=True, capture_output=True)
    processes = []
    try:
        common = {"DATABASE_URL": server_url.rsplit("/", 1)[0] + "/" + database,
                  "DOCKET_JWT_KEYS_FILE": os.path.join(work, "jwt-keys.json"), "DOCKET_AUTH_CACHE_TTL": "1"}
        setup_env = {**os.environ, **COMMON, **common, "DOCKET_DATA_DIR": work}
        subprocess.run([binary, "keys", "rotate"], env=setup_env, check=True, capture_output=True)
        subprocess.run([binary, "migrate", "up"], env=setup_env, check=True, capture_output=True)
        nodes = [start_node(binary, os.path.join(work, f"node{index}"), processes, {**common, "DOCKET_AUTO_MIGRATE": "false"})
                 for index in range(2)]
        balancer = start_nginx(work, nodes, processes)
        a, b = nodes
        attempt(scenario_order, balancer, "postgres via nginx")
        attempt(scenario_resume_sse, balancer, "postgres via nginx", rounds=30)
        attempt(scenario_resume_ws, balancer, "postgres via nginx", rounds=10)
        attempt(scenario_isolation, balancer, "postgres via nginx")
        attempt(scenario_cross_node, a, b, "postgres A→B")
    finally:
        stop_all(processes)
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], capture_output=True)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: events_check.py <docket-binary>")
    binary = os.path.abspath(sys.argv[1])
    random.seed(int(os.environ.get("EVENTS_CHECK_SEED", "0")) or None)

    def out_of_time(*_):
        raise TimeoutError("events_check ran over 15 minutes")
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(900)
    work = tempfile.mkdtemp(prefix="docket-events-")
    os.chmod(work, 0o755)
    try:
        run_sqlite(binary, work)
        postgres = os.environ.get("DOCKET_TEST_POSTGRES_URL")
        if postgres:
            run_postgres(binary, work, postgres)
        else:
            print("  note DOCKET_TEST_POSTGRES_URL is not set: the two-node checks were skipped")
        report_contract()
    except Exception as error:
        check(False, f"the check ran to the end: {type(error).__name__}: {error}")
    finally:
        signal.alarm(0)
        if results["failed"]:
            for log in sorted(os.path.join(root, name) for root, _, names in os.walk(work) for name in names
                              if name == "server.log"):
                print(f"--- {log} (tail)")
                print(open(log, errors="replace").read()[-2000:])
        shutil.rmtree(work, ignore_errors=True)
    print(f"events-check: {results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
