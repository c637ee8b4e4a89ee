#!/usr/bin/env python3
"""The memory an export takes: one account with TASKS tasks (default 100,000) of DESCRIPTION-byte descriptions (default
4,096) on a fresh SQLite data directory, then POST /api/v1/users/me/export, the saga until it completes, and the download
through the emailed link (read from <data dir>/outbox.log: no SMTP relay is configured), streamed to nowhere. Prints
the server's resident memory before, its peak while building and while downloading (sampled every 50 ms from
/proc/PID/status), the document's size and the times. Default configuration. Bounded: every wait has a deadline.

  bench/export_memory.py BINARY [--tasks N] [--description BYTES]
"""
import argparse
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PASSWORD, Server, free_port, http, log, seed  # noqa: E402


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(next(line for line in status if line.startswith("VmRSS:")).split()[1])


class PeakSampler:
    """Samples a process's resident memory until stopped; `peak` is the largest sample, in KiB."""

    def __init__(self, pid):
        self.pid, self.peak, self.running = pid, 0, True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.05)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.peak


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--description", type=int, default=4096)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="docket-export-memory-")
    env = {"DOCKET_PORT": str(free_port()), "DOCKET_DATA_DIR": work, "DOCKET_LOG_LEVEL": "warning"}
    email = "export@example.com"
    server = Server(args.binary, env)
    try:
        seed(args.binary, env, email, args.tasks)
        # Every description DESCRIPTION bytes, each its own (a task's number first), written straight into the file the
        # seeder made while no server runs.
        database = sqlite3.connect(os.path.join(work, "docket.sqlite"))
        filler = ("lorem ipsum, dolor \"sit\" amet\n" * (args.description // 30 + 1))
        database.execute("UPDATE tasks SET description = printf('%d ', rowid) || substr(?, 1, ?)", (filler, args.description - 8))
        database.commit()
        database.close()
        server.start()
        token = http(server.base, "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})[1]["access_token"]
        time.sleep(1)
        before = rss_kib(server.pid)
        sampler = PeakSampler(server.pid)
        started = time.monotonic()
        status, saga = http(server.base, "POST", "/api/v1/users/me/export", token=token)
        if status != 202:
            raise RuntimeError(f"export answered {status}: {saga}")
        deadline = time.monotonic() + 1800
        while http(server.base, "GET", f"/api/v1/sagas/{saga['id']}", token=token)[1]["state"] != "completed":
            if time.monotonic() > deadline:
                raise RuntimeError("the export did not complete within 30 minutes")
            time.sleep(0.5)
        built = time.monotonic() - started
        build_peak = sampler.stop()
        link = None
        while link is None and time.monotonic() < deadline:
            with open(os.path.join(work, "outbox.log"), errors="replace") as outbox:
                found = re.findall(r"https?://\S+/api/v1/exports/\S+", outbox.read())
            link = found[-1] if found else None
            time.sleep(0.2)
        path = link[link.index("/api/v1/exports/"):]
        sampler = PeakSampler(server.pid)
        started = time.monotonic()
        size = 0
        with urllib.request.urlopen(server.base + path, timeout=600) as response:
            while chunk := response.read(1 << 20):
                size += len(chunk)
        downloaded = time.monotonic() - started
        download_peak = sampler.stop()
        log(f"{args.tasks} tasks of {args.description}-byte descriptions: document {size / 1048576:.0f} MiB")
        log(f"RSS before {before / 1024:.1f} MiB; peak while building {build_peak / 1024:.1f} MiB "
            f"(+{(build_peak - before) / 1024:.1f}) in {built:.0f} s; peak while downloading {download_peak / 1024:.1f} MiB "
            f"(+{(download_peak - before) / 1024:.1f}) in {downloaded:.0f} s")
        print(f"export_rss_growth_mib={(max(build_peak, download_peak) - before) / 1024:.1f}")
    except Exception:
        log("the server's log ends:\n" + server.log_text()[-3000:])
        raise
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
