#!/usr/bin/env python3
"""Docket's benchmark harness: a release build on 127.0.0.1, seeded data, wrk scenarios, one JSON result file.

Run it through bench/run (which installs wrk). Everything it starts listens on loopback only, every load is bounded
in time, and every process it starts is stopped before it exits.
"""
import argparse
import contextlib
import datetime
from http.client import HTTPConnection
import json
import os
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from docket_node import RAISED_LIMITS, DocketNode  # noqa: E402

WRK_DIR = os.path.join(ROOT, "bench", "wrk")
EMAIL = "bench@example.com"
PASSWORD = "Bench-Password-1"


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# How the server under test is configured for a scenario. Rate limiting is on in every mode but one:
#   raised   the budgets raised above what the benchmark's one account and address send, so the limiter's work is
#            measured on every request, not its 429s (most scenarios);
#   default  Docket's default limits, for the many-users scenario (each account at its own default write budget);
#   off      no limiter, only as the baseline that prices it (#28: `raised` must reach 90% of it in the same run,
#            the `*_rl_off` scenarios); the limiter under load is `raised` and `many_users` here, and the fault checks.
MODES = {
    "raised": RAISED_LIMITS,
    "default": {},
    # Off only for the *_rl_off comparison rows (#28: limits on must stay within 10% of off); the limiter under load is
    # covered by every other scenario (raised) and by many_users (the default limits), in the same run.
    "off": {"DOCKET_RATE_LIMIT_ENABLED": "false"},  # why: the *_rl_off comparison only; raised and many_users load the limiter
}


def http(base, method, path, body=None, token=None, content_type="application/json"):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
            return response.status, json.loads(payload) if payload else None
    except urllib.error.HTTPError as error:
        return error.code, None


def cpu_busy_fraction(interval=1.0):
    def sample():
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]
    total1, idle1 = sample()
    time.sleep(interval)
    total2, idle2 = sample()
    return 1 - (idle2 - idle1) / max(1, total2 - total1)


def wait_for_idle(limit_seconds=60):
    """Waits until the machine is below 15% busy for a second (or the limit passes); returns the last reading."""
    deadline = time.time() + limit_seconds
    busy = cpu_busy_fraction()
    while busy > 0.15 and time.time() < deadline:
        busy = cpu_busy_fraction()
    return round(busy, 3)


class ProcessSampler:
    """Samples a process's RSS and CPU time while a load runs."""

    def __init__(self, pid):
        self.pid = pid
        self.peak_rss_kib = 0
        self.running = False

    def _rss(self):
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except FileNotFoundError:
            return 0
        return 0

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __enter__(self):
        self.running = True
        self.cpu_start = self.cpu_seconds()
        self.time_start = time.time()

        def loop():
            while self.running:
                self.peak_rss_kib = max(self.peak_rss_kib, self._rss())
                time.sleep(0.2)
        self.thread = threading.Thread(target=loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        elapsed = time.time() - self.time_start
        self.cpu_percent = round(100 * (self.cpu_seconds() - self.cpu_start) / max(elapsed, 0.001), 1)


def run_wrk(script, url, connections, duration, env, threads=2):
    command = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s",
               os.path.join(WRK_DIR, script), url]
    output = subprocess.run(command, env={**os.environ, **env, "BENCH_DIR": WRK_DIR}, capture_output=True, text=True,
                            timeout=duration + 60)
    match = re.search(r"BENCH_JSON (\{.*\})", output.stdout)
    if not match:
        raise RuntimeError(f"wrk printed no result: {output.stdout}\n{output.stderr}")
    result = json.loads(match.group(1))
    statuses = re.search(r"BENCH_STATUS (\{.*\})", output.stdout)
    if statuses:
        result.update(json.loads(statuses.group(1)))
    return result


class Server(DocketNode):
    """One `docket serve` process on a loopback port, with its own data directory (scripts/docket_node.py)."""

    def __init__(self, binary, env):
        super().__init__(binary, env["DOCKET_DATA_DIR"], env, port=int(env["DOCKET_PORT"]))
        self.mode = None

    def start(self):
        return super().start(limit=60, poll=0.005)

    def start_in(self, mode, base_env):
        """Restarts the server in configuration `mode` (see MODES) unless it already runs in it."""
        if self.mode == mode and self.running():
            return
        self.stop()
        self.env = {**base_env, **MODES[mode], "DOCKET_PORT": str(self.port), "DOCKET_DATA_DIR": self.data_dir}
        self.start()
        self.mode = mode


MANY_USERS = 64


def many_user_tokens(server):
    """Access tokens of the many-users scenario's accounts (seeded as many@example.com and seed-other-N@example.invalid),
    each signed in from a loopback address of its own, so the default per-address sign-in limit refuses none."""
    emails = ["many@example.com"] + [f"seed-other-{index}@example.invalid" for index in range(MANY_USERS - 1)]
    tokens = []
    for index, email in enumerate(emails):
        connection = HTTPConnection("127.0.0.1", server.port, timeout=30, source_address=(f"127.0.1.{index + 1}", 0))
        connection.request("POST", "/api/v1/auth/login", json.dumps({"email": email, "password": PASSWORD}),
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        body = response.read()
        connection.close()
        if response.status != 200:
            raise RuntimeError(f"signing in {email} answered {response.status}: {body[:200]!r}")
        tokens.append(json.loads(body)["access_token"])
    return tokens


def seed(binary, env, email, tasks, others=0, per_other=0):
    command = [binary, "seed", "--email", email, "--tasks", str(tasks)]
    if others:
        command += ["--others", str(others), "--tasks-per-other", str(per_other)]
    result = subprocess.run(command, env={**os.environ, **env}, input=PASSWORD + "\n", capture_output=True, text=True,
                            timeout=3600)
    if result.returncode != 0:
        raise RuntimeError(f"seeding failed: {result.stderr}")
    log(result.stdout.strip())


@contextlib.contextmanager
def seeded_server_with_token(binary, prefix, tasks, scopes):
    """A started `docket serve` on a fresh SQLite data directory, `tasks` tasks seeded for bench@example.com, and a
    personal access token of that account with `scopes`; yields (server, token, workdir), then stops the server and
    removes the directory."""
    work = tempfile.mkdtemp(prefix=prefix)
    env = {"DOCKET_PORT": str(free_port()), "DOCKET_DATA_DIR": work, "DOCKET_LOG_LEVEL": "warning", **MODES["raised"]}
    email = "bench@example.com"
    server = Server(binary, env)
    try:
        seed(binary, env, email, tasks)
        server.start()
        session = http(server.base, "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})[1]["access_token"]
        token = http(server.base, "POST", "/api/v1/tokens", {"name": "bench", "scopes": list(scopes)}, token=session)[1]["token"]
        yield server, token, work
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def deep_cursor(server, token, pages, query="limit=20"):
    """Walks `pages` pages and returns the cursor of the next one."""
    cursor = None
    for _ in range(pages):
        suffix = "&cursor=" + urllib.parse.quote(cursor, safe="") if cursor else ""
        status, body = http(server.base, "GET", f"/api/v1/tasks?{query}{suffix}", token=token)
        if status != 200 or not body.get("next_cursor"):
            raise RuntimeError(f"walk stopped early: {status}")
        cursor = body["next_cursor"]
    return cursor


def start_postgres(workdir):
    admin = subprocess.run([os.path.join(ROOT, "scripts", "postgres-cluster"), "start", workdir], capture_output=True,
                           text=True, check=True).stdout.strip()
    database = admin.rsplit("/", 1)[0] + "/docket_bench"
    subprocess.run(["psql", admin, "-qc", "CREATE DATABASE docket_bench"], check=True, capture_output=True)
    return database


def git_commit():
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", action="store_true", help="run against a throwaway PostgreSQL cluster instead of SQLite")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", default="16,64,256", help="comma-separated connection counts")
    parser.add_argument("--tasks", type=int, default=100_000, help="tasks of the benchmark user")
    parser.add_argument("--scenarios", default="health,list,list_deep,get,create,patch,login,mix,create_rl_off,patch_rl_off,many_users",
                        help="comma-separated subset of scenarios")
    parser.add_argument("--scale", action="store_true", help="also run the data-scale list latency (1k / 100k / 1M rows)")
    parser.add_argument("--binary", default=None, help="an already built docket binary (skips the build)")
    parser.add_argument("--output", default=None, help="result file (default bench/results/<date>-<backend>.json)")
    parser.add_argument("--no-ceiling", action="store_true",
                        help="skip the bare-Hummingbird ceiling (bench/ceiling) that every figure is compared with")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (bench/run installs it)")

    binary = args.binary
    if not binary:
        log("building the release binary")
        subprocess.run(["swift", "build", "-c", "release", "--product", "docket"], cwd=ROOT, check=True)
        binary = os.path.join(subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT,
                                             capture_output=True, text=True, check=True).stdout.strip(), "docket")

    workdir = tempfile.mkdtemp(prefix="docket-bench-")
    os.chmod(workdir, 0o755)
    backend = "postgres" if args.postgres else "sqlite"
    env = {
        "DOCKET_HOST": "127.0.0.1", "DOCKET_PORT": str(free_port()), "DOCKET_DATA_DIR": os.path.join(workdir, "data"),
        "DOCKET_LOG_LEVEL": "info", "DOCKET_LOG_FORMAT": "json",
        # The benchmark user starts with 100,000 tasks (the default quota) and the create scenarios add more.
        "DOCKET_MAX_TASKS_PER_USER": "10000000",
    }
    os.makedirs(env["DOCKET_DATA_DIR"])
    pg_dir = os.path.join(workdir, "pg")
    if args.postgres:
        env["DATABASE_URL"] = start_postgres(pg_dir)
    server = Server(binary, {**env, **MODES["raised"]})
    server.mode = "raised"
    results = []
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "commit": git_commit(),
        "command": "bench/run " + " ".join(sys.argv[1:]), "backend": backend,
        "machine": {"cores": os.cpu_count(), "load_before": os.getloadavg()[0],
                    "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)},
        "config": {"tasks_of_user": args.tasks, "duration_s": args.duration, "wrk_threads": 2,
                   "note": "wrk shares the machine's cores with the server"},
        "results": results,
    }
    try:
        log(f"seeding {args.tasks} tasks ({backend})")
        seed(binary, env, EMAIL, args.tasks)
        if "many_users" in args.scenarios:
            seed(binary, env, "many@example.com", 0, others=MANY_USERS - 1, per_other=0)
        report["startup_to_ready_ms"] = round(1000 * server.start(), 1)
        server.stop()
        report["startup_to_ready_ms"] = round(1000 * server.start(), 1)  # second start: migrated, as in production
        log(f"ready in {report['startup_to_ready_ms']} ms")
        status, tokens = http(server.base, "POST", "/api/v1/auth/login", {"email": EMAIL, "password": PASSWORD})
        token = tokens["access_token"]
        first_page = http(server.base, "GET", "/api/v1/tasks?limit=100", token=token)[1]["items"]
        ids = ",".join(item["id"] for item in first_page)
        cursor = deep_cursor(server, token, 2000) if "list_deep" in args.scenarios else None
        wrk_env = {"BENCH_TOKEN": token, "BENCH_IDS": ids, "BENCH_EMAIL": EMAIL, "BENCH_PASSWORD": PASSWORD}
        scenarios = {
            "health": ("get.lua", "/health", {}),
            "list": ("get.lua", "/api/v1/tasks?limit=20", wrk_env),
            "list_deep": ("get.lua", f"/api/v1/tasks?limit=20&cursor={urllib.parse.quote(cursor or '', safe='')}", wrk_env),
            "get": ("get.lua", f"/api/v1/tasks/{first_page[0]['id']}", wrk_env),
            "create": ("create.lua", "/api/v1/tasks", wrk_env),
            "patch": ("patch.lua", "/api/v1/tasks", wrk_env),
            "login": ("login.lua", "/api/v1/auth/login", wrk_env),
            "mix": ("mix.lua", "/api/v1/tasks", wrk_env),
            "create_rl_off": ("create.lua", "/api/v1/tasks", wrk_env, "off"),
            "patch_rl_off": ("patch.lua", "/api/v1/tasks", wrk_env, "off"),
            "many_users": ("create_many.lua", "/api/v1/tasks", None, "default"),
        }
        if not args.no_ceiling:
            report["ceiling"] = ceiling_run(args.connections, args.duration)
        names = args.scenarios.split(",")
        # Scenarios of one configuration run together, so the server restarts at most once per configuration.
        for name in sorted(names, key=lambda n: list(MODES).index((scenarios[n] + ("raised",))[3])):
            script, path, extra_env, mode = (scenarios[name] + ("raised",))[:4]
            server.start_in(mode, env)
            if name == "many_users":
                extra_env = {"BENCH_TOKENS": ",".join(many_user_tokens(server))}
            for connections in [int(c) for c in args.connections.split(",")]:
                idle = wait_for_idle()
                with ProcessSampler(server.process.pid) as sampler:
                    result = run_wrk(script, server.base + path, connections, args.duration, extra_env)
                result.update({"scenario": name, "connections": connections, "server_cpu_percent": sampler.cpu_percent,
                               "server_peak_rss_mib": round(sampler.peak_rss_kib / 1024, 1), "machine_busy_before": idle})
                ceiling = next((c for c in report.get("ceiling", []) if c["scenario"] == "ceiling_json"
                                and c["connections"] == connections), None)
                if ceiling:
                    result["percent_of_ceiling"] = round(100 * result["rps"] / ceiling["rps"], 1)
                result["rate_limits"] = mode
                results.append(result)
                log(f"{name:10} c={connections:<4} {result['rps']:>9.0f} req/s  p50 {result['p50_ms']:.2f} ms  "
                    f"p99 {result['p99_ms']:.2f} ms  non2xx {result['non2xx']}  errors {result['socket_errors']}  "
                    f"rss {result['server_peak_rss_mib']} MiB")
        if "login" in names:
            server.start_in("raised", env)
            report["login_flood"] = login_flood(server, wrk_env, args.duration)
        if args.scale:
            server.stop()
            report["scale"] = scale_run(binary, env, server, args.duration)
    finally:
        server.stop()
        if args.postgres:
            subprocess.run([os.path.join(ROOT, "scripts", "postgres-cluster"), "stop", pg_dir], capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)

    output = args.output or os.path.join(ROOT, "bench", "results",
                                         f"{datetime.date.today().isoformat()}-{backend}.json")
    with open(output, "w") as f:
        json.dump(report, f, indent=2)
    print_table(report)
    log(f"wrote {output}")


def ceiling_run(connections_list, duration):
    """The bare framework on this machine, now: bench/ceiling (Hummingbird 2 alone, release) answering a fixed small
    JSON body and a 20-task page from memory, at the same connection counts as Docket."""
    package = os.path.join(ROOT, "bench", "ceiling")
    log("building the ceiling server (bench/ceiling, release)")
    subprocess.run(["swift", "build", "-c", "release"], cwd=package, check=True)
    binary = os.path.join(subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=package,
                                         capture_output=True, text=True, check=True).stdout.strip(), "Ceiling")
    port = free_port()
    process = subprocess.Popen([binary, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        base = f"http://127.0.0.1:{port}"
        started = time.time()
        while True:
            try:
                if http(base, "GET", "/json")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.time() - started > 30:
                    raise RuntimeError("the ceiling server did not start in 30 s")
                time.sleep(0.01)
        for name, path in [("ceiling_json", "/json"), ("ceiling_tasks", "/tasks")]:
            for connections in [int(c) for c in connections_list.split(",")]:
                idle = wait_for_idle()
                with ProcessSampler(process.pid) as sampler:
                    result = run_wrk("get.lua", base + path, connections, duration, {})
                result.update({"scenario": name, "connections": connections, "server_cpu_percent": sampler.cpu_percent,
                               "server_peak_rss_mib": round(sampler.peak_rss_kib / 1024, 1), "machine_busy_before": idle})
                rows.append(result)
                log(f"{name:13} c={connections:<4} {result['rps']:>9.0f} req/s  p50 {result['p50_ms']:.2f} ms  "
                    f"p99 {result['p99_ms']:.2f} ms")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    return rows


def login_flood(server, wrk_env, duration):
    """Logins at 64 connections while /health is measured at 16: hashing must not starve other requests."""
    wait_for_idle()
    outcome = {}

    def flood():
        outcome["login"] = run_wrk("login.lua", server.base + "/api/v1/auth/login", 64, duration, wrk_env, threads=1)
    thread = threading.Thread(target=flood)
    thread.start()
    time.sleep(1)
    outcome["health"] = run_wrk("get.lua", server.base + "/health", 16, max(1, duration - 2), {}, threads=1)
    thread.join()
    log(f"login flood: {outcome['login']['rps']:.0f} logins/s; /health meanwhile p99 {outcome['health']['p99_ms']:.2f} ms")
    return outcome


def scale_run(binary, env, server, duration):
    """List latency for a user with 1k tasks and one with 100k, as the table grows to 1M rows."""
    rows = []
    seed(binary, env, "small@example.com", 1000)
    for total_label, others in [("~100k rows", 0), ("~1M rows", 9)]:
        if others:
            log("growing the table to ~1M rows")
            seed(binary, env, "filler@example.com", 0, others=others, per_other=100_000)
        server.start()
        for email in ["small@example.com", EMAIL]:
            token = http(server.base, "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})[1]["access_token"]
            cases = [("first page", "/api/v1/tasks?limit=20"), ("filtered", "/api/v1/tasks?limit=20&status=todo&priority=high")]
            if email == EMAIL:
                cursor = deep_cursor(server, token, 2000)
                cases.append(("2000 pages deep", f"/api/v1/tasks?limit=20&cursor={urllib.parse.quote(cursor, safe='')}"))
            for label, path in cases:
                wait_for_idle()
                result = run_wrk("get.lua", server.base + path, 16, max(3, duration // 2), {"BENCH_TOKEN": token})
                rows.append({"table": total_label, "user": email, "case": label, "p50_ms": result["p50_ms"],
                             "p99_ms": result["p99_ms"], "rps": result["rps"]})
                log(f"scale {total_label} {email} {label}: p50 {result['p50_ms']} ms")
        server.stop()
    return rows


def print_table(report):
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    from report import render
    render(report)


if __name__ == "__main__":
    main()
