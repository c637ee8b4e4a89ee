#!/usr/bin/env python3
"""Webhooks against a live Docket and a scripted receiver, all on 127.0.0.1.

    python3 scripts/webhooks_check.py <docket-binary>

Starts a receiver (threading http.server) whose answer per path is scripted (200, 500, a sleep past the timeout, 410,
a 302 to a second receiver), and Docket on SQLite with DOCKET_WEBHOOK_ALLOWED_TARGETS naming the two receivers,
DOCKET_WEBHOOK_RETRY_BASE_MS=200, DOCKET_WEBHOOK_MAX_ATTEMPTS=4 and DOCKET_WEBHOOK_TIMEOUT_SECONDS=2. It proves:
deliveries arrive, verify with the Standard Webhooks library (PyPI `standardwebhooks`) and validate against
asyncapi.yaml (scripts/event_contract.py); event_types filters; a 500 then 200 is retried and the delivery lists
both attempts; a timeout is a failed attempt, then success; a 410 disables the endpoint at once (disabled_reason,
and a webhook.disabled event in the feed); an endpoint that always fails is disabled after 4 attempts; private,
loopback, link-local, metadata, IPv6 loopback and non-http targets are refused with 422; a redirect is not followed;
after a secret rotation with overlap a delivery verifies with the old and the new secret; test-send delivers
webhook.test (never in the feed); redelivery sends the same event id again; personal access tokens are refused.
With DOCKET_TEST_POSTGRES_URL set it starts two nodes on a fresh database and proves 100 events are each delivered
exactly once (counted by webhook-id).

Every process it starts is stopped before it exits; every wait is bounded; the run is cut off after 10 minutes.
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
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import event_contract  # noqa: E402
from docket_node import RAISED_LIMITS, DocketNode, free_port  # noqa: E402

try:
    from standardwebhooks.webhooks import Webhook as StandardWebhook
except ImportError:  # reported as failures
    StandardWebhook = None

PASSWORD = "Webhook-Check-Pass-1"
results = {"passed": 0, "failed": 0}


def check(condition, message):
    print(("  ok   " if condition else "  FAIL ") + message, flush=True)
    results["passed" if condition else "failed"] += 1
    return condition


def wait_for(predicate, limit, interval=0.1):
    """Polls `predicate` until it returns something truthy or `limit` seconds pass; returns its last value."""
    deadline = time.time() + limit
    while True:
        value = predicate()
        if value or time.time() >= deadline:
            return value
        time.sleep(interval)


# ---- the receiver -------------------------------------------------------------------------------------------------

class Receiver:
    """An HTTP server whose answer per path is a script: a list of behaviours, consumed one per request, the last
    repeating. A behaviour is an int (a status), ("sleep", seconds) (then 200) or ("redirect", url) (a 302)."""

    def __init__(self):
        self.requests = []          # (path, headers lower-cased, body bytes, time)
        self.scripts = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time(),
                                              self.command))
                    script = receiver.scripts.get(self.path, [200])
                    behaviour = script.pop(0) if len(script) > 1 else script[0]
                try:
                    if isinstance(behaviour, tuple) and behaviour[0] == "sleep":
                        time.sleep(behaviour[1])
                        behaviour = 200
                    if isinstance(behaviour, tuple) and behaviour[0] == "redirect":
                        self.send_response(302)
                        self.send_header("Location", behaviour[1])
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    text = f"answer {behaviour}".encode()
                    self.send_response(behaviour)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_PUT = do_POST

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path, behaviours):
        with self.lock:
            self.scripts[path] = list(behaviours)

    def at(self, path):
        with self.lock:
            return [request for request in self.requests if request[0] == path]

    def wait(self, path, count, limit=20):
        return wait_for(lambda: len(self.at(path)) >= count and self.at(path), limit) or self.at(path)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# ---- Docket -------------------------------------------------------------------------------------------------------

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


def register(port, label):
    email = f"{label}-{random.getrandbits(40):x}@example.com"
    status, _, tokens = http(port, "POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD, "name": label})
    if status != 201:
        raise RuntimeError(f"register {email}: {status} {tokens}")
    return tokens["access_token"]


def create_webhook(port, token, url, **fields):
    status, _, created = http(port, "POST", "/api/v1/webhooks", {"url": url, **fields}, token=token)
    if status != 201:
        raise RuntimeError(f"create webhook {url}: {status} {created}")
    return created["webhook"], created["secret"]


def create_task(port, token, title="a task"):
    status, _, task = http(port, "POST", "/api/v1/tasks", {"title": title}, token=token)
    if status != 201:
        raise RuntimeError(f"create task: {status} {task}")
    return task


def deliveries(port, token, webhook_id):
    status, _, page = http(port, "GET", f"/api/v1/webhooks/{webhook_id}/deliveries?limit=100", token=token)
    return page["items"] if status == 200 else []


def settled_delivery(port, token, webhook_id, event_type=None, limit=20):
    """The newest delivery (of `event_type`) once it succeeded or failed; the newest seen if none settled in time."""
    def find():
        items = [d for d in deliveries(port, token, webhook_id) if event_type in (None, d["event_type"])]
        return items[0] if items and items[0]["state"] in ("succeeded", "failed") else None
    return wait_for(find, limit, 0.2) or next(
        (d for d in deliveries(port, token, webhook_id) if event_type in (None, d["event_type"])), None)


def feed(port, token):
    """The user's stored events (the JSON page of GET /api/v1/events)."""
    status, _, page = http(port, "GET", "/api/v1/events?limit=500", token=token, headers={"Accept": "application/json"})
    if status != 200:
        raise RuntimeError(f"GET /api/v1/events (JSON): {status} {page}")
    return page["items"]


def verifies(secret, body, headers):
    if StandardWebhook is None:
        return False
    try:
        StandardWebhook(secret).verify(body, headers)
        return True
    except Exception:
        return False


def valid_event(body):
    try:
        return event_contract.validate(json.loads(body))
    except ValueError as error:
        return [f"not JSON: {error}"]


# ---- scenarios ----------------------------------------------------------------------------------------------------

def scenario_delivery(port, receiver):
    """A delivery arrives signed and valid; event_types filters; the delivery record shows the 200."""
    token = register(port, "basic")
    webhook, secret = create_webhook(port, token, receiver.url("/ok"), description="all events")
    check(secret.startswith("whsec_") and webhook["enabled"] is True and webhook["event_types"] == []
          and webhook.get("disabled_reason") is None,
          f"creating a webhook answers 201 with a whsec_ secret, enabled, all types ({webhook.get('event_types')})")
    only_deleted, _ = create_webhook(port, token, receiver.url("/only-deleted"), event_types=["task.deleted"])
    task = create_task(port, token, "delivered")
    check(http(port, "DELETE", f"/api/v1/tasks/{task['id']}", token=token)[0] == 204, "the task is deleted")
    got = receiver.wait("/ok", 2)
    check(len(got) >= 2, f"the endpoint received the two events ({len(got)})")
    if not got:
        return None
    path, headers, body, _, method = got[0]
    event = json.loads(body)
    check(method == "POST" and headers.get("content-type", "").startswith("application/json"),
          f"a delivery is a POST of application/json ({method}, {headers.get('content-type')})")
    check(StandardWebhook is not None, "standardwebhooks is installed (pip install standardwebhooks)")
    check(verifies(secret, body, headers), "the delivery verifies with standardwebhooks and the secret")
    check(headers.get("webhook-id") == event.get("id") and event.get("type") == "task.created",
          "webhook-id is the event id; the first delivery is task.created")
    errors = [error for _, _, body, _, _ in got for error in valid_event(body)]
    check(not errors, "every delivered body validates against asyncapi.yaml" + (f": {errors[:3]}" if errors else ""))
    check(abs(int(headers.get("webhook-timestamp", "0")) - time.time()) < 60, "webhook-timestamp is the current Unix time")
    filtered = receiver.wait("/only-deleted", 1)
    time.sleep(0.5)
    filtered = receiver.at("/only-deleted")
    check([json.loads(body)["type"] for _, _, body, _, _ in filtered] == ["task.deleted"],
          "an endpoint subscribed to task.deleted receives only that")
    delivery = settled_delivery(port, token, webhook["id"], "task.created")
    check(delivery is not None and delivery["state"] == "succeeded" and delivery["event_id"] == event["id"]
          and [a.get("status_code") for a in delivery["attempts"]] == [200],
          f"the delivery record shows one attempt with 200 ({delivery and [a.get('status_code') for a in delivery['attempts']]})")
    check(delivery is not None and all(a.get("latency_ms") is not None and a.get("error") is None for a in delivery["attempts"]),
          "a successful attempt has a latency and no error")
    status, _, listed = http(port, "GET", "/api/v1/webhooks", token=token)
    check(status == 200 and {w["id"] for w in listed["items"]} == {webhook["id"], only_deleted["id"]} and
          all("secret" not in w for w in listed["items"]), "the list shows both endpoints, without secrets")
    return token, webhook, secret, delivery


def scenario_redeliver(port, receiver, token, webhook, delivery):
    before = len(receiver.at("/ok"))
    status, _, again = http(port, "POST", f"/api/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}/redeliver", token=token)
    check(status == 202 and again["id"] != delivery["id"] and again["event_id"] == delivery["event_id"],
          f"redeliver answers 202 with a new delivery of the same event ({status})")
    got = receiver.wait("/ok", before + 1)
    ids = Counter(headers.get("webhook-id") for _, headers, _, _, _ in got)
    check(ids[delivery["event_id"]] == 2, f"the receiver got webhook-id {delivery['event_id'][:8]}… a second time")


def scenario_test_send(port, receiver, token, webhook, secret):
    before = len(receiver.at("/ok"))
    status, _, delivery = http(port, "POST", f"/api/v1/webhooks/{webhook['id']}/test", token=token)
    check(status == 202 and delivery["event_type"] == "webhook.test", f"test-send answers 202 with a webhook.test delivery ({status})")
    got = receiver.wait("/ok", before + 1)
    tests = [(headers, body) for _, headers, body, _, _ in got if json.loads(body).get("type") == "webhook.test"]
    check(len(tests) == 1, f"the receiver got one webhook.test ({len(tests)})")
    if tests:
        headers, body = tests[0]
        event = json.loads(body)
        check(verifies(secret, body, headers) and not valid_event(body) and event["data"]["webhook_id"] == webhook["id"],
              f"webhook.test verifies, validates and names the webhook {valid_event(body)[:2]}")
    check(all(event["type"] != "webhook.test" for event in feed(port, token)), "webhook.test never appears in the feed")


def scenario_retry(port, receiver):
    token = register(port, "retry")
    receiver.script("/flaky", [500, 200])
    webhook, secret = create_webhook(port, token, receiver.url("/flaky"))
    create_task(port, token, "retried")
    got = receiver.wait("/flaky", 2)
    ids = {headers.get("webhook-id") for _, headers, _, _, _ in got}
    check(len(got) == 2 and len(ids) == 1, f"a 500 is retried with the same webhook-id ({len(got)} requests)")
    if len(got) == 2:
        gap = got[1][3] - got[0][3]
        check(gap >= 0.1, f"the retry waits for the backoff (base 200 ms, with jitter): {gap * 1000:.0f} ms")
        check(verifies(secret, got[1][2], got[1][1]), "the retried delivery verifies too")
    delivery = settled_delivery(port, token, webhook["id"])
    codes = [a.get("status_code") for a in delivery["attempts"]] if delivery else None
    check(delivery is not None and delivery["state"] == "succeeded" and codes == [500, 200],
          f"the delivery succeeded and lists its attempts: {codes}")
    if delivery and codes == [500, 200]:
        first = delivery["attempts"][0]
        check(first.get("error") is not None and "answer 500" in (first.get("response_excerpt") or ""),
              f"the failed attempt has an error and the start of the response ({first.get('error')!r}, "
              f"{first.get('response_excerpt')!r})")


def scenario_timeout(port, receiver):
    token = register(port, "timeout")
    receiver.script("/slow", [("sleep", 3.5), 200])
    webhook, _ = create_webhook(port, token, receiver.url("/slow"))
    create_task(port, token, "slow")
    got = receiver.wait("/slow", 2, limit=20)
    check(len(got) == 2, f"a receiver slower than the 2 s timeout gets a second attempt ({len(got)} requests)")
    delivery = settled_delivery(port, token, webhook["id"])
    attempts = delivery["attempts"] if delivery else []
    check(delivery is not None and delivery["state"] == "succeeded" and len(attempts) == 2
          and attempts[0].get("status_code") is None and attempts[0].get("error")
          and attempts[1].get("status_code") == 200,
          f"the timeout is a failed attempt without a status, then success: "
          f"{[(a.get('status_code'), a.get('error')) for a in attempts]}")
    if attempts:
        check(attempts[0].get("latency_ms", 0) < 3000, f"the timed-out attempt was cut at about 2 s ({attempts[0].get('latency_ms')} ms)")


def disabled_in_feed(port, token, webhook_id):
    events = [e for e in feed(port, token) if e["type"] == "webhook.disabled" and e["data"].get("webhook_id") == webhook_id]
    return events


def scenario_gone(port, receiver):
    token = register(port, "gone")
    receiver.script("/gone", [410])
    webhook, _ = create_webhook(port, token, receiver.url("/gone"))
    create_task(port, token, "for a gone receiver")
    got = receiver.wait("/gone", 1)
    state = wait_for(lambda: (lambda w: w if not w["enabled"] else None)(
        http(port, "GET", f"/api/v1/webhooks/{webhook['id']}", token=token)[2]), 10)
    check(bool(state) and state["enabled"] is False and state.get("disabled_reason"),
          f"a 410 disables the endpoint at once with a reason ({state and state.get('disabled_reason')!r})")
    create_task(port, token, "after it was disabled")
    time.sleep(1.5)
    check(len(receiver.at("/gone")) == 1, f"nothing more is sent to it ({len(receiver.at('/gone'))} requests)")
    events = wait_for(lambda: disabled_in_feed(port, token, webhook["id"]), 5)
    check(len(events or []) == 1 and not event_contract.validate(events[0]),
          f"a webhook.disabled event is in the feed and validates {event_contract.validate(events[0])[:2] if events else ''}")
    status, _, enabled = http(port, "PATCH", f"/api/v1/webhooks/{webhook['id']}", {"enabled": True}, token=token)
    check(status == 200 and enabled["enabled"] is True and enabled.get("disabled_reason") is None,
          "enabling it again clears disabled_reason")
    return got


def scenario_always_failing(port, receiver):
    token = register(port, "broken")
    receiver.script("/broken", [500])
    webhook, _ = create_webhook(port, token, receiver.url("/broken"))
    create_task(port, token, "never delivered")
    got = receiver.wait("/broken", 4, limit=30)
    state = wait_for(lambda: (lambda w: w if not w["enabled"] else None)(
        http(port, "GET", f"/api/v1/webhooks/{webhook['id']}", token=token)[2]), 15)
    time.sleep(1.5)
    check(len(receiver.at("/broken")) == 4, f"a receiver that always fails gets exactly 4 attempts ({len(receiver.at('/broken'))})")
    check(bool(state) and state.get("disabled_reason"), f"then the endpoint is disabled ({state and state.get('disabled_reason')!r})")
    delivery = settled_delivery(port, token, webhook["id"])
    check(delivery is not None and delivery["state"] == "failed" and len(delivery["attempts"]) == 4,
          f"the delivery failed after 4 attempts ({delivery and delivery['state']}, {delivery and len(delivery['attempts'])})")
    check(len(disabled_in_feed(port, token, webhook["id"])) == 1, "a webhook.disabled event is in the feed")
    return got


def scenario_ssrf(port, receiver, other_port):
    """Refused targets are 422 with /url named. This user never changes anything, so nothing could be delivered
    even if a refused URL were accepted by mistake (such a webhook is deleted at once)."""
    token = register(port, "ssrf")
    bad = [f"http://127.0.0.2:{receiver.port}/", f"http://localhost:{other_port}/", "http://169.254.169.254/",
           "http://10.0.0.1/", "ftp://x", f"http://[::1]:{receiver.port}/", "http://0.0.0.0/",
           f"http://127.0.0.1:{other_port}/"]
    outcomes = {}
    for url in bad:
        status, headers, problem = http(port, "POST", "/api/v1/webhooks", {"url": url}, token=token)
        if status == 201:
            http(port, "DELETE", f"/api/v1/webhooks/{problem['webhook']['id']}", token=token)
        pointers = [e.get("pointer") for e in (problem or {}).get("errors", [])] if isinstance(problem, dict) else []
        outcomes[url] = (status, headers.get("Content-Type", ""), pointers)
    for url, (status, kind, pointers) in outcomes.items():
        check(status == 422 and kind.startswith("application/problem+json") and any(str(p).endswith("/url") for p in pointers),
              f"{url} is refused: {status} {pointers}")
    webhook, _ = create_webhook(port, token, receiver.url("/never"))
    status, _, problem = http(port, "PATCH", f"/api/v1/webhooks/{webhook['id']}", {"url": "http://169.254.169.254/"}, token=token)
    check(status == 422, f"changing an endpoint's URL to a refused target is 422 ({status})")
    http(port, "DELETE", f"/api/v1/webhooks/{webhook['id']}", token=token)


def scenario_redirect(port, receiver, elsewhere):
    token = register(port, "redirect")
    receiver.script("/redirect", [("redirect", elsewhere.url("/target"))])
    webhook, _ = create_webhook(port, token, receiver.url("/redirect"))
    create_task(port, token, "redirected")
    receiver.wait("/redirect", 1)
    delivery = wait_for(lambda: next((d for d in deliveries(port, token, webhook["id"]) if d["attempts"]), None), 10)
    time.sleep(1)
    check(not elsewhere.at("/target"), "a 302 is not followed: the redirect target received nothing")
    first = delivery["attempts"][0] if delivery else {}
    check(delivery is not None and delivery["state"] != "succeeded" and first.get("status_code") == 302 and first.get("error"),
          f"the redirected attempt is a failure ({first.get('status_code')}, {first.get('error')!r})")
    http(port, "DELETE", f"/api/v1/webhooks/{webhook['id']}", token=token)


def scenario_rotation(port, receiver):
    token = register(port, "rotate")
    webhook, old = create_webhook(port, token, receiver.url("/rotate"))
    status, _, rotated = http(port, "POST", f"/api/v1/webhooks/{webhook['id']}/rotate-secret", {"overlap_seconds": 3600}, token=token)
    new = rotated["secret"] if status == 200 else None
    check(status == 200 and new and new.startswith("whsec_") and new != old and rotated["webhook"].get("secret_rotated_at"),
          f"rotate-secret answers 200 with a new secret and secret_rotated_at ({status})")
    create_task(port, token, "after rotation")
    got = receiver.wait("/rotate", 1)
    if not got:
        check(False, "a delivery after the rotation arrived")
        return
    _, headers, body, _, _ = got[0]
    signatures = headers.get("webhook-signature", "").split(" ")
    check(len(signatures) == 2 and all(s.startswith("v1,") for s in signatures),
          f"during the overlap a delivery carries two signatures ({len(signatures)})")
    check(verifies(new, body, headers) and verifies(old, body, headers), "it verifies with the new and with the old secret")
    status, _, again = http(port, "POST", f"/api/v1/webhooks/{webhook['id']}/rotate-secret", {"overlap_seconds": 0}, token=token)
    newest = again["secret"] if status == 200 else None
    create_task(port, token, "after a rotation without overlap")
    got = receiver.wait("/rotate", 2)
    if len(got) >= 2 and newest:
        _, headers, body, _, _ = got[1]
        check(verifies(newest, body, headers) and not verifies(new, body, headers),
              "after a rotation without overlap only the newest secret verifies")
    status, _, problem = http(port, "POST", f"/api/v1/webhooks/{webhook['id']}/rotate-secret", {"overlap_seconds": 604801}, token=token)
    check(status == 422, f"overlap_seconds over 604800 is 422 ({status})")


def scenario_tokens_refused(port):
    token = register(port, "pat")
    status, _, created = http(port, "POST", "/api/v1/tokens", {"name": "agent", "scopes": ["tasks:read", "tasks:write"]}, token=token)
    pat = created["token"]
    check(http(port, "GET", "/api/v1/webhooks", token=pat)[0] == 403, "a personal access token is refused the webhook API (403)")
    check(http(port, "GET", "/api/v1/webhooks")[0] == 401, "no token is 401")


def scenario_two_nodes(binary, work, server_url, receiver):
    print("Two nodes on one PostgreSQL:")
    processes = []
    database = f"docket_webhooks_{os.getpid()}"
    admin = server_url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {database}"], check=True, capture_output=True)
    try:
        common = {"DATABASE_URL": server_url.rsplit("/", 1)[0] + "/" + database,
                  "DOCKET_JWT_KEYS_FILE": os.path.join(work, "jwt-keys.json")}
        setup = {**os.environ, **docket_env(receiver), **common, "DOCKET_DATA_DIR": work}
        subprocess.run([binary, "keys", "rotate"], env=setup, check=True, capture_output=True)
        subprocess.run([binary, "migrate", "up"], env=setup, check=True, capture_output=True)
        nodes = [start_node(binary, os.path.join(work, f"pg-node{i}"), receiver, processes,
                            {**common, "DOCKET_AUTO_MIGRATE": "false"}) for i in range(2)]
        token = register(nodes[0], "twonodes")
        webhook, secret = create_webhook(nodes[0], token, receiver.url("/many"), event_types=["task.created"])
        threads = [threading.Thread(target=lambda node=node: [create_task(node, token, f"many {i}") for i in range(50)])
                   for node in nodes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        receiver.wait("/many", 100, limit=60)
        time.sleep(3)   # room for a duplicate to show up
        got = receiver.at("/many")
        ids = Counter(headers.get("webhook-id") for _, headers, _, _, _ in got)
        check(len(ids) == 100, f"100 task creations on two nodes reach the receiver as 100 events ({len(ids)})")
        check(all(count == 1 for count in ids.values()), f"each event id exactly once ({len(got)} requests, "
              f"{sum(1 for c in ids.values() if c > 1)} duplicated)")
        check(all(verifies(secret, body, headers) for _, headers, body, _, _ in got), "every one verifies")
    finally:
        stop_all(processes)   # before the database goes
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], capture_output=True)


def attempt(scenario, *args):
    """Runs one scenario; an exception is one failure, and the other scenarios still run."""
    try:
        return scenario(*args)
    except Exception as error:
        check(False, f"{scenario.__name__} ran to the end: {type(error).__name__}: {error}")
        return None


# ---- servers ------------------------------------------------------------------------------------------------------

def docket_env(receiver, elsewhere=None):
    targets = [f"127.0.0.1/32:{receiver.port}"] + ([f"127.0.0.1/32:{elsewhere.port}"] if elsewhere else [])
    return {"DOCKET_LOG_LEVEL": "warning", "DOCKET_ARGON2_MEMORY_KIB": "4096", "DOCKET_ARGON2_ITERATIONS": "1",
            **RAISED_LIMITS, "DOCKET_SHUTDOWN_TIMEOUT": "5", "DOCKET_JOB_POLL_INTERVAL": "100",
            "DOCKET_WEBHOOK_ALLOWED_TARGETS": ",".join(targets), "DOCKET_WEBHOOK_RETRY_BASE_MS": "200",
            "DOCKET_WEBHOOK_MAX_ATTEMPTS": "4", "DOCKET_WEBHOOK_TIMEOUT_SECONDS": "2"}


def start_node(binary, data, receiver, processes, extra=None, elsewhere=None):
    # Rate limiting on with raised budgets (docket_env): many accounts from one address (see docket_node.py).
    node = DocketNode(binary, data, {**docket_env(receiver, elsewhere), **(extra or {})})
    node.start(wait=False)
    processes.append(node.process)
    node.wait_ready()
    return node.port


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


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: webhooks_check.py <docket-binary>")
    binary = os.path.abspath(sys.argv[1])

    def out_of_time(*_):
        raise TimeoutError("webhooks_check ran over 10 minutes")
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(600)
    receiver, elsewhere = Receiver(), Receiver()
    work = tempfile.mkdtemp(prefix="docket-webhooks-")
    os.chmod(work, 0o755)
    processes = []
    try:
        print("One node on SQLite, a scripted receiver:")
        port = start_node(binary, os.path.join(work, "sqlite"), receiver, processes, elsewhere=elsewhere)
        first = attempt(scenario_delivery, port, receiver)
        if first:
            token, webhook, secret, delivery = first
            if delivery:
                attempt(scenario_redeliver, port, receiver, token, webhook, delivery)
            attempt(scenario_test_send, port, receiver, token, webhook, secret)
        attempt(scenario_retry, port, receiver)
        attempt(scenario_timeout, port, receiver)
        attempt(scenario_gone, port, receiver)
        attempt(scenario_always_failing, port, receiver)
        attempt(scenario_ssrf, port, receiver, free_port())
        attempt(scenario_redirect, port, receiver, elsewhere)
        attempt(scenario_rotation, port, receiver)
        attempt(scenario_tokens_refused, port)
        stop_all(processes)
        postgres = os.environ.get("DOCKET_TEST_POSTGRES_URL")
        if postgres:
            attempt(scenario_two_nodes, binary, work, postgres, receiver)
        else:
            print("  note DOCKET_TEST_POSTGRES_URL is not set: the two-node check was skipped")
    except Exception as error:
        check(False, f"the check ran to the end: {type(error).__name__}: {error}")
    finally:
        signal.alarm(0)
        stop_all(processes)
        receiver.stop()
        elsewhere.stop()
        if results["failed"]:
            for root, _, names in os.walk(work):
                for name in names:
                    if name == "server.log":
                        print(f"--- {os.path.join(root, name)} (tail)")
                        print(open(os.path.join(root, name), errors="replace").read()[-2000:])
        shutil.rmtree(work, ignore_errors=True)
    print(f"webhooks-check: {results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)


if __name__ == "__main__":
    main()
