#!/usr/bin/env python3
"""One account's bulk work never delays another account's email (#29 item 2), measured end to end on SQLite with the
default configuration and a real SMTP relay (scripts/smtp_sink.py: STARTTLS and AUTH required): user A has 20 webhooks
pointing at a loopback target that accepts connections and never answers, imports 5,000 tasks (100,000 webhook
deliveries) and queues two bulk updates over them (100,000 more); then user B asks for a password reset, and its email
must reach the relay within 5 s. Bounded in time; ends with one summary line.

  fairness_check.py BINARY
"""
import email
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from docket_node import DocketNode, free_port

LIMIT_SECONDS = 5.0
SINK_USER, SINK_PASSWORD = "docket", "sink-Password-1"


def call(base, method, path, body=None, token=None):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None, method=method,
                                     headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


class BlackHole:
    """A loopback TCP target that accepts every connection and never answers (nor closes) until stopped."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0), backlog=512)
        self.port = self.socket.getsockname()[1]
        self.held = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.held.append(connection)

    def stop(self):
        self.socket.close()
        for connection in self.held:
            connection.close()


def start_sink(work):
    certificate, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", certificate],
                   check=True, capture_output=True, timeout=60)
    port = free_port()
    sink = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "smtp_sink.py"), str(port),
                             certificate, key, SINK_USER, SINK_PASSWORD, os.path.join(work, "mail")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if sink.stdout.readline().strip() != "ready":
        raise RuntimeError("the SMTP sink did not start")
    return sink, port, certificate


def received_by(work, address):
    folder = os.path.join(work, "mail")
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if name.endswith(".eml"):
            with open(os.path.join(folder, name), "rb") as f:
                message = email.message_from_bytes(f.read())
            if message["X-Sink-Rcpt-To"] == address:
                return message
    return None


def wait(condition, limit, what):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} within {limit} s")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    work = tempfile.mkdtemp(prefix="docket-fairness-")
    hole = BlackHole()
    sink, sink_port, certificate = start_sink(work)
    # The one departure from the defaults: the loopback black hole must be an allowed webhook target (the SSRF guard
    # refuses loopback otherwise; webhooks_check.py and WebhookTests cover the guard itself).
    env = {"DOCKET_SMTP_URL": f"smtp://{SINK_USER}:{SINK_PASSWORD}@localhost:{sink_port}", "DOCKET_SMTP_FROM": "docket@example.com",
           "DOCKET_SMTP_CA_FILE": certificate, "DOCKET_WEBHOOK_ALLOWED_TARGETS": f"127.0.0.1/32:{hole.port}", "DOCKET_LOG_LEVEL": "warning"}
    node = DocketNode(sys.argv[1], os.path.join(work, "node"), env, unset=("DATABASE_URL",))
    try:
        node.start()
        base = node.base
        tokens = {}
        for name in ("a", "b"):
            status, body = call(base, "POST", "/api/v1/auth/register",
                                {"email": f"{name}@example.com", "password": "Fairness-Pass-1", "name": name.upper()})
            assert status == 201, (status, body)
            tokens[name] = body["access_token"]
        for index in range(20):
            status, body = call(base, "POST", "/api/v1/webhooks", {"url": f"http://127.0.0.1:{hole.port}/hook{index}"}, tokens["a"])
            assert status == 201, (status, body)
        started = time.monotonic()
        status, job = call(base, "POST", "/api/v1/tasks/import", {"tasks": [{"title": f"bulk {i}"} for i in range(5000)]}, tokens["a"])
        assert status == 202, (status, job)
        wait(lambda: call(base, "GET", f"/api/v1/jobs/{job['id']}", token=tokens["a"])[1]["state"] == "succeeded", 300,
             "the 5,000-task import did not finish")
        imported = time.monotonic() - started
        for change in ({"set_priority": "high"}, {"set_status": "in_progress"}):
            status, body = call(base, "POST", "/api/v1/tasks/bulk-update", change, tokens["a"])
            assert status == 202, (status, body)
        time.sleep(1)
        status, _ = call(base, "POST", "/api/v1/auth/password-reset", {"email": "b@example.com"})
        assert status == 202, status
        asked = time.monotonic()
        wait(lambda: received_by(work, "b@example.com") is not None, 60, "B's password-reset email did not arrive")
        seconds = time.monotonic() - asked
        message = received_by(work, "b@example.com")
        ok = seconds <= LIMIT_SECONDS and message["X-Sink-TLS"] == "yes"
        print(f"import of 5,000 tasks with 20 unanswering webhooks took {imported:.1f} s; "
              f"B's reset email reached the relay {seconds:.2f} s after it was asked for (limit {LIMIT_SECONDS:.0f} s)")
        print(f"fairness: reset_email_seconds={seconds:.2f} {'ok' if ok else 'FAILED'}")
        if not ok:
            sys.exit(1)
    except Exception:
        print("the server's log ends:\n" + node.log_text()[-3000:], file=sys.stderr)
        raise
    finally:
        node.stop()
        sink.stdin.close()
        sink.wait(timeout=30)
        hole.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
