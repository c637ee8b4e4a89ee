#!/usr/bin/env python3
"""Runs schemathesis (every check) against a live Docket on 127.0.0.1, authenticated with a real token.

Two passes: every operation except the ones that end the caller's own session, then those with a fresh account.
Prints the generated cases and failures; exits non-zero on any failure. Started by scripts/contract-fuzz.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SESSION_ENDERS = ["deactivateCurrentUser", "logoutAll", "changePassword"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(base, path, body):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def run_pass(base, token, examples, seed, extra):
    command = ["schemathesis", "--config-file", os.path.join(ROOT, "reliability", "schemathesis.toml"), "run",
               f"{base}/openapi.yaml", "--checks", "all", "-H", f"Authorization: Bearer {token}", "-n", str(examples),
               "--seed", str(seed), "--request-timeout", "10", "--no-color"] + extra
    # schemathesis keeps a cache (.schemathesis/) in its working directory: keep it under the build folder.
    cache = os.path.join(ROOT, ".build", "schemathesis")
    os.makedirs(cache, exist_ok=True)
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800, cwd=cache)
    output = result.stdout + result.stderr
    generated = re.search(r"(\d+) generated", output)
    failures = re.search(r"(\d+) found (\d+) unique failures", output)
    return (int(generated.group(1)) if generated else 0, int(failures.group(2)) if failures else 0, result.returncode, output)


def main():
    binary, examples, database_url = sys.argv[1], int(sys.argv[2]), (sys.argv[3] if len(sys.argv) > 3 else "")
    work = tempfile.mkdtemp(prefix="docket-fuzz-")
    port = free_port()
    env = {**os.environ, "DOCKET_PORT": str(port), "DOCKET_DATA_DIR": work, "DOCKET_LOG_LEVEL": "error",
           "DOCKET_RATE_LIMIT_IP": "1000000/60", "DOCKET_RATE_LIMIT_ACCOUNT": "1000000/60",
           "DOCKET_ARGON2_MEMORY_KIB": "1024", "DOCKET_ARGON2_ITERATIONS": "1"}
    if database_url:
        env["DATABASE_URL"] = database_url
    server = subprocess.Popen([binary, "serve"], env=env, stdout=open(os.path.join(work, "server.log"), "wb"),
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    total_cases = total_failures = 0
    code = 0
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/ready", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        first = post(base, "/api/v1/auth/register", {"email": "fuzz-a@example.com", "password": "Fuzz-Password-1", "name": "A"})
        passes = [
            ("all operations but the session-ending ones", first["access_token"],
             sum((["--exclude-operation-id", op] for op in SESSION_ENDERS), [])),
        ]
        for index, operation in enumerate(SESSION_ENDERS):
            fresh = post(base, "/api/v1/auth/register", {"email": f"fuzz-{index}@example.com", "password": "Fuzz-Password-1", "name": "B"})
            passes.append((operation, fresh["access_token"], ["--include-operation-id", operation]))
        for name, token, extra in passes:
            cases, failures, returncode, output = run_pass(base, token, examples, 1, extra)
            total_cases += cases
            total_failures += failures
            print(f"schemathesis [{name}]: {cases} cases, {failures} failures")
            if returncode != 0:
                code = 1
                print(output[-6000:])
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
            print(open(os.path.join(work, "server.log")).read()[-3000:])
        shutil.rmtree(work, ignore_errors=True)
    print(f"contract-fuzz: {total_cases} cases generated, {total_failures} failures")
    sys.exit(code)


if __name__ == "__main__":
    main()
