#!/usr/bin/env python3
"""Runs schemathesis (every check) against a live Docket on 127.0.0.1, authenticated with real tokens.

    contract_fuzz.py BINARY EXAMPLES [DATABASE_URL]

Per-operation expected statuses are in reliability/schemathesis.toml; which token each operation sends (the user's,
the admin's, the metrics token) and the Idempotency-Key hook are in reliability/schemathesis_hooks.py. Every rate
limit of the server is lifted for the run and /metrics gets a token (DOCKET_METRICS_TOKEN), so its 200 is fuzzed;
before fuzzing, the script checks that /metrics refuses a missing or wrong token (401). For each of two seeds -- a fixed one (1) and a random one
printed in the log (FUZZ_SEED=N replays it) -- the script runs:
  - one pass with every operation but the ones that end the caller's own credentials, as a fresh user (admin
    operations as a fresh admin, made with `docket user create --admin`);
  - one pass for each credential-ending operation (logout, logout-all, password change, deactivation, and the
    admin's account update, which can demote or deactivate the admin), each with fresh accounts of its own.
Exits non-zero on any failure or if the server dies. Every pass's full output is written to FUZZ_LOG_DIR (default: a
temporary folder, printed, removed again after a clean run).
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
import time
import urllib.error
import urllib.request

from docket_node import DocketNode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "reliability", "schemathesis.toml")
FIXED_SEED = 1
PASSWORD = "Fuzz-Password-1"
METRICS_TOKEN = "fuzz-metrics-" + os.urandom(16).hex()
UNLIMITED = "1000000/60"
# Operations that revoke or change the caller's own credentials: each gets a pass and fresh accounts of its own.
SESSION_ENDERS = ["logout", "logoutAll", "changePassword", "deleteCurrentUser", "updateUser"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(base, path, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(), method="POST",
                                     headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def fixtures(base, token, webhook_target):
    """Ids of the caller's own resources, so operations on a path id reach more than their 404 (see the toml)."""
    tasks = [post(base, "/api/v1/tasks", {"title": f"fixture {n}", "due_date": "2030-01-01"}, token)["id"] for n in range(10)]
    jobs = [post(base, "/api/v1/tasks/import", {"tasks": [{"title": "imported"}]}, token)["id"],
            post(base, "/api/v1/tasks/bulk-update", {"filter": {"q": "no such task"}, "set_status": "done"}, token)["id"]]
    webhooks, deliveries = [], []
    for n in range(3):
        hook = post(base, "/api/v1/webhooks", {"url": f"{webhook_target}/{n}", "description": "fixture"}, token)["webhook"]["id"]
        webhooks.append(hook)
        deliveries.append(post(base, f"/api/v1/webhooks/{hook}/test", None, token)["id"])
    return {"tasks": tasks, "jobs": jobs, "webhooks": webhooks, "deliveries": deliveries}


class Accounts:
    """Makes fresh accounts on the running server: users through the API, admins through the CLI."""

    def __init__(self, base, binary, env):
        self.base, self.binary, self.env, self.count = base, binary, env, 0

    def _email(self, kind):
        self.count += 1
        return f"fuzz-{kind}-{os.getpid()}-{self.count}@example.com"

    def user(self):
        return post(self.base, "/api/v1/auth/register", {"email": self._email("user"), "password": PASSWORD, "name": "Fuzz"})

    def admin(self):
        email = self._email("admin")
        subprocess.run([self.binary, "user", "create", "--email", email, "--name", "Fuzz admin", "--admin"],
                       input=PASSWORD + "\n", text=True, env=self.env, check=True, capture_output=True, timeout=60)
        pair = post(self.base, "/api/v1/auth/login", {"email": email, "password": PASSWORD})
        assert pair["user"]["role"] == "admin", pair["user"]
        return pair


def write_config(work, dictionaries):
    """reliability/schemathesis.toml plus this pass's dictionaries of existing ids (accounts, tasks, jobs, ...)."""
    path = os.path.join(work, "schemathesis.toml")
    with open(CONFIG) as source, open(path, "w") as target:
        target.write(source.read())
        for name, values in dictionaries.items():
            target.write(f"\n[dictionaries.{name}]\nvalues = " + json.dumps(values) + "\n")
    return path


def metrics_refusals(base):
    """/metrics without its token and with a wrong one: 401 each (the fuzzed getMetrics always sends the right one)."""
    problems = []
    for label, headers in (("no token", {}), ("a wrong token", {"Authorization": "Bearer not-" + METRICS_TOKEN})):
        try:
            urllib.request.urlopen(urllib.request.Request(base + "/metrics", headers=headers), timeout=10)
            status = 200
        except urllib.error.HTTPError as error:
            status = error.code
        if status != 401:
            problems.append(f"GET /metrics with {label}: {status}, expected 401")
    return problems


def run_pass(base, config, token, admin_token, examples, seed, extra, log_path):
    command = ["schemathesis", "--config-file", config, "run", f"{base}/openapi.yaml", "--checks", "all",
               "-n", str(examples), "--seed", str(seed), "--request-timeout", "10", "--no-color"] + extra
    env = {**os.environ, "DOCKET_FUZZ_TOKEN": token, "DOCKET_FUZZ_ADMIN_TOKEN": admin_token,
           "DOCKET_FUZZ_METRICS_TOKEN": METRICS_TOKEN,
           "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
           "PYTHONPATH": os.pathsep.join(filter(None, [os.path.join(ROOT, "reliability"), os.environ.get("PYTHONPATH")]))}
    # schemathesis keeps a cache (.schemathesis/) in its working directory: keep it under the build folder.
    cache = os.path.join(ROOT, ".build", "schemathesis")
    os.makedirs(cache, exist_ok=True)
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600, cwd=cache, env=env)
    output = result.stdout + result.stderr
    with open(log_path, "w") as log:
        log.write(" ".join(command) + "\n\n" + output)
    generated = re.search(r"(\d+) generated", output)
    failures = re.search(r"found (\d+) unique failures?", output)
    return (int(generated.group(1)) if generated else 0, int(failures.group(1)) if failures else 0, result.returncode, output)


def main():
    binary, examples, database_url = sys.argv[1], int(sys.argv[2]), (sys.argv[3] if len(sys.argv) > 3 else "")
    binary = os.path.abspath(binary)
    random_seed = int(os.environ["FUZZ_SEED"]) if os.environ.get("FUZZ_SEED") else random.SystemRandom().randrange(1, 2**31)
    print(f"contract-fuzz: seeds {FIXED_SEED} (fixed) and {random_seed} (random; replay with FUZZ_SEED={random_seed})", flush=True)
    work = tempfile.mkdtemp(prefix="docket-fuzz-")
    logs = os.environ.get("FUZZ_LOG_DIR") or tempfile.mkdtemp(prefix="docket-fuzz-logs-")
    os.makedirs(logs, exist_ok=True)
    port, closed_port = free_port(), free_port()
    env = {**os.environ, "DOCKET_PORT": str(port), "DOCKET_DATA_DIR": work, "DOCKET_LOG_LEVEL": "error",
           # Every rate limit lifted: a 429 for a schema-valid request would be a failure of the run, not the server.
           **{f"DOCKET_RATE_LIMIT_{name}": UNLIMITED
              for name in ("IP", "ACCOUNT", "TOKEN", "TOKEN_USER", "EMAIL", "EMAIL_IP", "WRITES", "WEBHOOK_SENDS")},
           # ...and the cap on queued bulk updates and imports, which fuzzing fills in seconds (JobFairnessTests covers it).
           "DOCKET_MAX_PENDING_JOBS_PER_USER": "1000000",
           "DOCKET_METRICS_TOKEN": METRICS_TOKEN,
           # A pass can outlast the default 15 minutes of an access token.
           "DOCKET_ACCESS_TOKEN_TTL": "86400",
           # ...and the 10-minute recent sign-in that token and webhook creation need (CredentialReachTests covers it).
           "DOCKET_RECENT_SIGN_IN_SECONDS": "86400",
           "DOCKET_ARGON2_MEMORY_KIB": "1024", "DOCKET_ARGON2_ITERATIONS": "1",
           # The fixture webhooks point at a closed loopback port: their deliveries fail, which is all they need.
           "DOCKET_WEBHOOK_ALLOWED_TARGETS": f"127.0.0.1/32:{closed_port}", "DOCKET_WEBHOOK_RETRY_BASE_MS": "3600000"}
    if database_url:
        env["DATABASE_URL"] = database_url
    node = DocketNode(binary, work, {name: value for name, value in env.items() if os.environ.get(name) != value}, port=port)
    node.start(wait=False)
    server = node.process
    base = node.base
    accounts = Accounts(base, binary, env)
    total_cases = total_failures = 0
    code = 0
    started = time.monotonic()
    try:
        node.wait_ready(60)
        for problem in metrics_refusals(base):
            print(f"contract-fuzz: {problem}", flush=True)
            total_failures += 1
            code = 1
        for seed in (FIXED_SEED, random_seed):
            passes = [("all operations but the credential-ending ones", sum((["--exclude-operation-id", op] for op in SESSION_ENDERS), []))]
            passes += [(operation, ["--include-operation-id", operation]) for operation in SESSION_ENDERS]
            for name, extra in passes:
                user, admin, victim = accounts.user(), accounts.admin(), accounts.user()
                config = write_config(work, {"accounts": [victim["user"]["id"]],
                                             **fixtures(base, user["access_token"], f"http://127.0.0.1:{closed_port}/hook")})
                log_path = os.path.join(logs, f"seed-{seed}-{name.split()[0] if ' ' in name else name}.log")
                began = time.monotonic()
                cases, failures, returncode, output = run_pass(base, config, user["access_token"], admin["access_token"],
                                                               examples, seed, extra, log_path)
                total_cases += cases
                total_failures += failures
                print(f"schemathesis seed {seed} [{name}]: {cases} cases, {failures} failures, "
                      f"{time.monotonic() - began:.0f}s (log: {log_path})", flush=True)
                if returncode != 0:
                    code = 1
                    start = output.find("FAILURES")
                    print(output[start:][-40000:] if start >= 0 else output[-8000:], flush=True)
                if server.poll() is not None:
                    break
        if server.poll() is not None:
            print("the server died during fuzzing")
            code = 1
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        if code:
            print(open(os.path.join(work, "server.log"), errors="replace").read()[-3000:])
        shutil.rmtree(work, ignore_errors=True)
        if not code and not os.environ.get("FUZZ_LOG_DIR"):
            shutil.rmtree(logs, ignore_errors=True)
    print(f"contract-fuzz: {total_cases} cases generated, {total_failures} failures, seeds {FIXED_SEED} and {random_seed}, "
          f"{time.monotonic() - started:.0f}s")
    sys.exit(code)


if __name__ == "__main__":
    main()
