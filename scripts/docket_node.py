"""Starts and stops `docket serve` for every Python check and benchmark: one start loop, one readiness wait, one stop.

A node runs Docket's default configuration plus only what its caller passes. Two sets of settings are shared here so
that each script says in one line why it departs from the defaults:

  RAISED_LIMITS   rate limiting stays ON; its budgets are raised above what one loopback client sends (every request
                  of a check comes from 127.0.0.1 and one or a few accounts), so the limiter's work runs on every
                  request but its 429s do not end a check. The limits themselves are covered under load by
                  bench/run's many-users scenario and by the Swift suite's RateLimitTests and WriteStallTests.
  CHEAP_HASHING   Argon2id with small (still real) parameters, for checks that sign in many times; the default cost
                  is what bench/run measures.
"""
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

RAISED_LIMITS = {f"DOCKET_RATE_LIMIT_{name}": "1000000/60"
                 for name in ("IP", "ACCOUNT", "TOKEN", "TOKEN_USER", "EMAIL", "EMAIL_IP", "WRITES")}
CHEAP_HASHING = {"DOCKET_ARGON2_MEMORY_KIB": "1024", "DOCKET_ARGON2_ITERATIONS": "1"}


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_ready(port, timeout=1.0):
    """Whether the node on `port` answers GET /ready with 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


class DocketNode:
    """One `docket serve` on a loopback port with its own data directory; its output goes to a log file there.

    `env` is laid over the caller's environment (so DATABASE_URL and the like pass through unless `unset` names
    them); DOCKET_PORT and DOCKET_DATA_DIR are set here."""

    def __init__(self, binary, data_dir, env=None, port=None, log_name="server.log", unset=()):
        os.makedirs(data_dir, exist_ok=True)
        self.binary = binary
        self.port = port or free_port()
        self.data_dir = data_dir
        self.env = {**(env or {}), "DOCKET_PORT": str(self.port), "DOCKET_DATA_DIR": data_dir}
        self.unset = tuple(unset)
        self.log_path = os.path.join(data_dir, log_name)
        self.process = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def full_env(self):
        """The environment the process gets."""
        env = {name: value for name, value in os.environ.items() if name not in self.unset}
        env.update(self.env)
        return env

    def start(self, wait=True, limit=90, poll=0.05):
        """Starts the process (appending to its log) and, unless `wait` is false, waits until /ready answers 200
        (asking every `poll` seconds); returns the seconds that took. Raises if the process exits first or `limit`
        seconds pass."""
        started = time.monotonic()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([self.binary, "serve"], env=self.full_env(), stdout=log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready(limit, poll)
        return time.monotonic() - started

    def wait_ready(self, limit=90, poll=0.05):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"docket on {self.port} exited with {self.process.returncode} while starting; see {self.log_path}")
            if is_ready(self.port):
                return
            time.sleep(poll)
        raise RuntimeError(f"docket on {self.port} was not ready within {limit} s; see {self.log_path}")

    def running(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout=30):
        """SIGTERM, then SIGKILL after `timeout` seconds; returns the exit status (negative: the ending signal)."""
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode if self.process else None

    def kill(self):
        """SIGKILL, at once; returns the exit status."""
        if self.running():
            self.process.kill()
            self.process.wait()
        return self.process.returncode if self.process else None

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""
