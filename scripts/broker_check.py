#!/usr/bin/env python3
"""Events on a real broker: two Docket nodes on PostgreSQL publishing to Redis, read by an outside consumer.

    DOCKET_TEST_POSTGRES_URL=postgres://… python3 scripts/broker_check.py <docket-binary>

Starts its own Redis (scripts/redis-instance, append-only, with a password), a fresh database and two nodes with
`DOCKET_BROKER_URL` set, and reads the stream the way README's ten-line consumer does (PyPI `redis`, its own consumer
group, XREADGROUP, XACK). It proves and measures:

- every stored event of every user reaches the outside consumer; per user, the first delivery of each event id comes
  in `seq` order, gapless; repeats (at least once) are counted;
- commit → outside consumer latency under steady writes (p50, p99), and the statistics read model catching up;
- the broker stopped for BROKER_OUTAGE_SECONDS (30) under write load: every write still succeeds, `/ready` turns 503
  past `DOCKET_BROKER_MAX_BACKLOG`, and the backlog drains when Redis returns (the publish rate while draining);
- `kill -9` of the node holding the relay lease while it publishes: the other node's relay takes over (the recovery
  time: kill → the next event reaching the consumer) and nothing stays unpublished;
- Redis losing what it held under write load (FLUSHALL, then a restart without its append-only file): every write
  succeeds and the statistics read model ends equal to a replay of the outbox (`docket stats rebuild`); what the
  outside consumer missed is reported;
- a backlog of BROKER_DRAIN_EVENTS (10,000; 200,000 for BENCHMARKS.md) events, imported while Redis is down, drains to
  the stream once it is back: the time, no event missing, and how many repeated (delivery is at least once).

Every process it starts is stopped before it exits; all traffic stays on 127.0.0.1; waits are bounded and the whole
run is cut off after 15 minutes plus a second per 50 backlog events asked for.
"""
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import events_check as ec  # noqa: E402  (HTTP helpers, accounts, node and process handling)

import event_contract  # noqa: E402
import jsonschema  # noqa: E402
import redis  # noqa: E402

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
STREAM = "docket:events"
GROUP = "outside-check"
METRICS_TOKEN = os.urandom(16).hex()
check = ec.check


class OutsideConsumer(threading.Thread):
    """README's consumer, recording what it receives: (event id, user id, seq, commit time, receive time)."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url = url
        self.received = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.errors = 0
        self.groups_recreated = 0
        contract = event_contract.load()
        self.entry_schema = jsonschema.Draft202012Validator(
            {"$ref": f"{contract.asyncapi_uri}#/components/schemas/BrokerEntry"}, registry=contract.registry,
            format_checker=jsonschema.FormatChecker())
        self.invalid = []       # entries that break the documented format (the entry or its CloudEvent)

    def run(self):
        r = redis.Redis.from_url(self.url, decode_responses=True, socket_timeout=10)
        try:
            r.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except redis.ResponseError:
            pass
        while not self.stopping.is_set():
            try:
                batches = r.xreadgroup(GROUP, "worker-1", {STREAM: ">"}, count=500, block=500) or []
            except (redis.ConnectionError, redis.TimeoutError):
                self.errors += 1
                time.sleep(0.2)
                continue
            except redis.ResponseError as error:
                if "NOGROUP" not in str(error) and "no longer exists" not in str(error):
                    raise
                # The broker lost the group or the stream (flushed, restarted without persistence): create the group
                # again, as README says; what the stream lost with it is gone for an outside consumer.
                self.groups_recreated += 1
                try:
                    r.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
                except redis.ResponseError:
                    pass
                continue
            now = time.time()
            for _, entries in batches:
                with self.lock:
                    for entry_id, fields in entries:
                        problems = [error.message for error in self.entry_schema.iter_errors(fields)]
                        if not problems:
                            problems = event_contract.validate(json.loads(fields["event"]))
                        if problems:
                            self.invalid.append((entry_id, problems[:3]))
                            continue
                        self.received.append((fields["id"], fields["user_id"], int(fields["seq"]),
                                              int(fields["occurred_at"]) / 1e6, now))
                r.xack(STREAM, GROUP, *[entry_id for entry_id, _ in entries])

    def ids(self):
        with self.lock:
            return {entry[0] for entry in self.received}

    def snapshot(self):
        with self.lock:
            return list(self.received)


class Writers:
    """Threads creating tasks through the given ports until stopped; counts acknowledged and failed writes."""

    def __init__(self, ports, accounts, pause=0.0):
        self.ports, self.accounts, self.pause = ports, accounts, pause
        self.stopping = threading.Event()
        self.acknowledged, self.failed = 0, []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(index,), daemon=True) for index in range(len(accounts))]

    def _run(self, index):
        account, written = self.accounts[index], 0
        while not self.stopping.is_set():
            port = self.ports[(index + written) % len(self.ports)]
            try:
                status = ec.http(port, "POST", "/api/v1/tasks", {"title": f"w{index}-{written}"}, token=account.token)[0]
            except OSError as error:
                status = f"{type(error).__name__}"
            with self.lock:
                if status == 201:
                    self.acknowledged += 1
                else:
                    self.failed.append(status)
            written += 1
            if self.pause:
                time.sleep(self.pause)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)


def wait_for(predicate, limit):
    deadline = time.time() + limit
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def all_events(port, accounts):
    return {account.id: ec.stored_events(port, account) for account in accounts}


def verify_delivery(consumer, port, accounts, label):
    """Every stored event reached the consumer; first deliveries per user in seq order, gapless."""
    stored = all_events(port, accounts)
    wanted = {event["id"] for events in stored.values() for event in events}
    arrived = wait_for(lambda: wanted <= consumer.ids(), 60)
    missing = len(wanted - consumer.ids())
    check(arrived, f"{label}: all {len(wanted)} stored events reached the outside consumer ({missing} missing)")
    received = consumer.snapshot()
    for account in accounts:
        first, seen = [], set()
        for event_id, user_id, seq, _, _ in received:
            if user_id == account.id and event_id not in seen:
                seen.add(event_id)
                first.append(seq)
        last = stored[account.id][-1]["seq"] if stored[account.id] else 0
        if not check(first == list(range(1, last + 1)),
                     f"{label}: {account.label}'s events arrived in seq order, gapless (1…{last}, first deliveries)"):
            break
    repeats = len(received) - len({entry[0] for entry in received})
    print(f"  info {label}: {len(received)} deliveries, {repeats} repeated (at least once)")
    return stored


def scenario_latency(ports, accounts, consumer, count=400):
    """Steady writes, one at a time: commit → consumer latency."""
    before = len(consumer.snapshot())
    started = time.time()
    for index in range(count):
        ec.create_task(ports[index % 2], accounts[index % len(accounts)], f"latency {index}")
    wait_for(lambda: len(consumer.snapshot()) >= before + count, 30)
    fresh = [entry for entry in consumer.snapshot()[before:] if entry[3] >= started - 1]
    latencies = sorted((received - committed) * 1000 for _, _, _, committed, received in fresh)
    if not check(len(latencies) >= count, f"latency: {len(latencies)} of {count} events consumed"):
        return
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99) - 1]
    print(f"  info commit → outside consumer over {count} events: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms")
    check(p99 < 2000, f"latency: p99 {p99:.0f} ms is under 2 s")


def scenario_statistics(port, accounts):
    for account in accounts:
        ok = wait_for(lambda: (lambda s: s[0] == 200 and s[2]["events_behind"] == 0 and s[2]["as_of_seq"] > 0)(
            ec.http(port, "GET", "/api/v1/stats", token=account.token)), 30)
        check(ok, f"statistics: {account.label}'s read model caught up (events_behind 0)")


def scenario_outage(ports, accounts, consumer, redis_dir, seconds):
    """The broker stopped under write load: writes succeed, /ready turns 503, the backlog drains afterwards."""
    subprocess.run([os.path.join(SCRIPTS, "redis-instance"), "stop", redis_dir], check=True)
    with Writers(ports, accounts, pause=0.01) as writers:
        not_ready = wait_for(lambda: ec.http(ports[0], "GET", "/ready")[0] == 503, seconds)
        time.sleep(max(0.0, seconds - 1))
    check(not writers.failed, f"outage: {writers.acknowledged} writes during {seconds} s without the broker, "
                              f"{len(writers.failed)} failed {sorted(set(map(str, writers.failed)))[:5]}")
    check(not_ready, "outage: /ready answered 503 once the backlog passed DOCKET_BROKER_MAX_BACKLOG")
    _, _, body = ec.http(ports[0], "GET", "/ready")
    print(f"  info outage: /ready said {str(body)[:160]}")
    backlog = sum(len(events) for events in all_events(ports[0], accounts).values()) - len(consumer.ids())
    restarted = time.time()
    subprocess.run([os.path.join(SCRIPTS, "redis-instance"), "restart", redis_dir], check=True)
    stored = {event["id"] for events in all_events(ports[0], accounts).values() for event in events}
    drained = wait_for(lambda: stored <= consumer.ids(), 120)
    took = time.time() - restarted
    arrivals = sorted(entry[4] for entry in consumer.snapshot() if entry[4] >= restarted)
    flowing = (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else 0.0
    rate = f"{len(arrivals) / flowing:.0f} events/s once flowing" if flowing > 0 else "in one batch"
    check(drained, f"outage: the {backlog} waiting events reached the consumer {took:.1f} s after Redis restarted "
                   f"(the relay's reconnect backoff included; first to last arrival {flowing:.2f} s: {rate})")
    check(wait_for(lambda: ec.http(ports[0], "GET", "/ready")[0] == 200, 30), "outage: /ready is 200 again")


def relay_holder(database_url):
    out = subprocess.run(["psql", database_url, "-tAc", "SELECT holder FROM leases WHERE name = 'event-relay'"],
                         capture_output=True, text=True)
    return out.stdout.strip()


def scenario_relay_kill(nodes, processes, logs, accounts, consumer, database_url):
    """kill -9 of the relay's node mid-publish: the other node's relay takes over; nothing stays unpublished."""
    holder = relay_holder(database_url)
    victim = next((index for index, log in enumerate(logs) if holder and holder in open(log, errors="replace").read()), None)
    if not check(victim is not None, f"relay kill: the lease holder ({holder or 'none'}) is one of the nodes"):
        return None
    survivor = 1 - victim
    with Writers([nodes[victim]], accounts) as writers:
        time.sleep(1.5)                       # the victim's relay is publishing a stream of fresh events
        processes[victim].kill()
        killed = time.time()
        processes[victim].wait()
    acknowledged = writers.acknowledged
    marker = ec.create_task(nodes[survivor], accounts[0], "after the kill")
    marker_event = ec.stored_events(nodes[survivor], accounts[0])[-1]["id"]
    arrived = wait_for(lambda: marker_event in consumer.ids(), 60)
    recovery = time.time() - killed
    check(arrived and bool(marker), f"relay kill: {acknowledged} writes acknowledged by the killed node; the survivor's relay "
                                    f"took over: an event written after the kill reached the consumer {recovery:.1f} s after it")
    check(relay_holder(database_url) not in ("", holder), "relay kill: the lease moved to the surviving node")
    return survivor


def behind_offsets(database_url):
    """Users with events the statistics consumer has not provably processed (its offset is behind their newest)."""
    out = subprocess.run(["psql", database_url, "-tAc",
                          "SELECT COUNT(*) FROM event_streams s LEFT JOIN consumer_offsets o ON o.consumer = 'stats' "
                          "AND o.user_id = s.user_id WHERE COALESCE(o.seq, 0) < s.last_seq"], capture_output=True, text=True)
    return int(out.stdout.strip() or -1)


def recovered_events(ports):
    """consumer_messages_total{outcome="recovered"} summed over the nodes: events applied from the outbox."""
    total = 0.0
    for port in ports:
        status, _, text = ec.http(port, "GET", "/metrics", token=METRICS_TOKEN)
        for line in (text if isinstance(text, str) else "").splitlines():
            if line.startswith("consumer_messages_total{") and 'outcome="recovered"' in line:
                total += float(line.rsplit(" ", 1)[1])
    return int(total)


def stats_of(port, accounts):
    return {account.id: ec.http(port, "GET", "/api/v1/stats", token=account.token)[2] for account in accounts}


def scenario_loss(port, accounts, consumer, redis_dir, redis_url, database_url, setup_env, binary):
    """Redis loses what it held under write load (FLUSHALL, then a restart without its append-only file): Docket's
    statistics read model still ends equal to a replay of the outbox; the outside consumer's loss is reported."""
    with Writers([port], accounts, pause=0.005) as writers:
        time.sleep(2)
        redis.Redis.from_url(redis_url, socket_timeout=10).flushall()
        time.sleep(2)
        subprocess.run([os.path.join(SCRIPTS, "redis-instance"), "stop", redis_dir], check=True)
        for name in ("appendonlydir", "appendonly.aof", "dump.rdb"):
            path = os.path.join(redis_dir, name)
            shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else (os.path.exists(path) and os.remove(path))
        subprocess.run([os.path.join(SCRIPTS, "redis-instance"), "restart", redis_dir], check=True)
        time.sleep(2)
    check(not writers.failed, f"loss: {writers.acknowledged} writes around a FLUSHALL and a restart without persistence, "
                              f"{len(writers.failed)} failed {sorted(set(map(str, writers.failed)))[:5]}")
    started = time.time()
    # The default DOCKET_CONSUMER_MISSED_AFTER_SECONDS (30) passes before a lost event counts as lost.
    caught_up = wait_for(lambda: behind_offsets(database_url) == 0, 120)
    check(caught_up, f"loss: the statistics consumer provably processed every event {time.time() - started:.1f} s after the loss "
                     f"({recovered_events([port])} applied from the outbox)")
    live = stats_of(port, accounts)
    rebuild = subprocess.run([binary, "stats", "rebuild"], env=setup_env, capture_output=True, text=True)
    check(rebuild.returncode == 0, f"loss: docket stats rebuild replayed the outbox ({rebuild.stdout.strip()[:120]}{rebuild.stderr[-300:]})")
    replayed = stats_of(port, accounts)
    differing = [account.label for account in accounts if live[account.id] != replayed[account.id]]
    check(not differing, f"loss: every account's statistics equal a replay from the outbox ({differing or 'none'} differ: "
                         f"{[(live[a.id], replayed[a.id]) for a in accounts if a.label in differing][:1]})")
    stored = {event["id"] for events in all_events(port, accounts).values() for event in events}
    missed = len(stored - consumer.ids())
    print(f"  info loss: the outside consumer recreated its group {consumer.groups_recreated} time(s) and missed {missed} of "
          f"{len(stored)} events (what README says an outside consumer can lose without appendfsync always)")


def scenario_drain(port, accounts, redis_dir, redis_url, database_url, total):
    """A backlog of `total` events (imports while Redis is down) drains to the stream once Redis is back: each once."""
    subprocess.run([os.path.join(SCRIPTS, "redis-instance"), "stop", redis_dir], check=True)
    heads = {account.id: ec.last_seq(port, account) for account in accounts}
    jobs, per_import = [], 5000
    for index in range(0, total, per_import):
        rows = min(per_import, total - index)
        csv = "title,priority\n" + "".join(f"drain {index + row},low\n" for row in range(rows))
        account = accounts[(index // per_import) % len(accounts)]
        status, _, job = ec.http(port, "POST", "/api/v1/tasks/import", {"csv": csv}, token=account.token, timeout=60)
        if not check(status == 202, f"drain: import of {rows} tasks accepted ({status} {str(job)[:120]})"):
            return
        jobs.append((account, job["id"]))
    def finished():
        return all(ec.http(port, "GET", f"/api/v1/jobs/{job}", token=account.token)[2].get("state") == "succeeded" for account, job in jobs)
    if not check(wait_for(finished, 120 + total / 50), f"drain: {len(jobs)} imports finished while Redis was down"):
        return
    backlog = sum(ec.last_seq(port, account) - heads[account.id] for account in accounts)
    restarted = time.time()
    subprocess.run([os.path.join(SCRIPTS, "redis-instance"), "restart", redis_dir], check=True)
    drained = wait_for(lambda: subprocess.run(
        ["psql", database_url, "-tAc", "SELECT COALESCE(SUM(last_seq - published_seq), 0) FROM event_streams"],
        capture_output=True, text=True).stdout.strip() == "0", 120 + total / 100)
    took = time.time() - restarted
    r = redis.Redis.from_url(redis_url, decode_responses=True, socket_timeout=30)
    wanted = set()
    for account in accounts:
        out = subprocess.run(["psql", database_url, "-tAc",
                              f"SELECT id FROM events WHERE user_id = '{account.id}' AND seq > {heads[account.id]}"],
                             capture_output=True, text=True)
        wanted |= {line.strip().lower() for line in out.stdout.splitlines() if line.strip()}
    seen, entries, cursor = set(), 0, "-"
    while True:
        batch = r.xrange(STREAM, min=cursor, count=10000)
        batch = [entry for entry in batch if entry[0] != cursor]
        if not batch:
            break
        for _, fields in batch:
            if fields.get("id") in wanted:
                entries += 1
                seen.add(fields["id"])
        cursor = batch[-1][0]
    repeats, missing = entries - len(seen), len(wanted - seen)
    # Repeats are reported, not failed on: delivery is at least once (a publish retried after a timeout repeats).
    check(drained and missing == 0,
          f"drain: a backlog of {backlog} events reached the stream {took:.1f} s after Redis restarted "
          f"({backlog / took:.0f} events/s, the relay's reconnect backoff included), {missing} missing, {repeats} repeated")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: broker_check.py <docket-binary>")
    server_url = os.environ.get("DOCKET_TEST_POSTGRES_URL")
    if not server_url:
        sys.exit("broker_check.py needs DOCKET_TEST_POSTGRES_URL (a PostgreSQL server URL)")
    binary = os.path.abspath(sys.argv[1])
    seconds = int(os.environ.get("BROKER_OUTAGE_SECONDS", "30"))
    drain_events = int(os.environ.get("BROKER_DRAIN_EVENTS", "10000"))

    # A run takes about 2.5 minutes (debug build, the default backlog); the bound grows with the backlog asked for.
    limit = 900 + drain_events // 50

    def out_of_time(*_):
        raise TimeoutError(f"broker_check ran over {limit} s")
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(limit)
    work = tempfile.mkdtemp(prefix="docket-broker-")
    os.chmod(work, 0o755)
    redis_dir = os.path.join(work, "redis")
    database = f"docket_broker_{os.getpid()}"
    admin = server_url.rsplit("/", 1)[0] + "/postgres"
    database_url = server_url.rsplit("/", 1)[0] + "/" + database
    processes, consumer = [], None
    try:
        password = os.urandom(8).hex()
        redis_url = subprocess.run([os.path.join(SCRIPTS, "redis-instance"), "start", redis_dir, password],
                                   check=True, capture_output=True, text=True).stdout.strip()
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {database}"], check=True, capture_output=True)
        common = {"DATABASE_URL": database_url, "DOCKET_JWT_KEYS_FILE": os.path.join(work, "jwt-keys.json"),
                  "DOCKET_BROKER_URL": redis_url, "DOCKET_BROKER_MAX_BACKLOG": "200", "DOCKET_RELAY_LEASE_SECONDS": "2",
                  "DOCKET_LOG_LEVEL": "notice", "DOCKET_METRICS_TOKEN": METRICS_TOKEN}
        setup_env = {**os.environ, **ec.COMMON, **common, "DOCKET_DATA_DIR": work}
        subprocess.run([binary, "keys", "rotate"], env=setup_env, check=True, capture_output=True)
        subprocess.run([binary, "migrate", "up"], env=setup_env, check=True, capture_output=True)
        nodes = [ec.start_node(binary, os.path.join(work, f"node{index}"), processes, {**common, "DOCKET_AUTO_MIGRATE": "false"})
                 for index in range(2)]
        logs = [os.path.join(work, f"node{index}", "server.log") for index in range(2)]
        consumer = OutsideConsumer(redis_url)
        consumer.start()
        accounts = [ec.Account(nodes[index % 2], f"broker{index}") for index in range(4)]

        print("Two nodes on PostgreSQL, one Redis, an outside consumer group:")
        scenario_latency(nodes, accounts, consumer)
        scenario_statistics(nodes[1], accounts)
        verify_delivery(consumer, nodes[0], accounts, "steady")
        scenario_outage(nodes, accounts, consumer, redis_dir, seconds)
        verify_delivery(consumer, nodes[0], accounts, "after the outage")
        survivor = scenario_relay_kill(nodes, processes, logs, accounts, consumer, database_url)
        if survivor is not None:
            verify_delivery(consumer, nodes[survivor], accounts, "after the relay kill")
            scenario_statistics(nodes[survivor], accounts)
            scenario_loss(nodes[survivor], accounts, consumer, redis_dir, redis_url, database_url, setup_env, binary)
            scenario_drain(nodes[survivor], accounts, redis_dir, redis_url, database_url, drain_events)
        check(not consumer.invalid, f"every entry matched asyncapi.yaml's BrokerEntry and its event schema "
                                    f"({len(consumer.invalid)} did not: {consumer.invalid[:2]})")
        print(f"  info the outside consumer retried {consumer.errors} reads (while Redis was down)")
    except Exception as error:
        check(False, f"the check ran to the end: {type(error).__name__}: {error}")
    finally:
        signal.alarm(0)
        if consumer:
            consumer.stopping.set()
            consumer.join(timeout=5)
        ec.stop_all(processes)
        subprocess.run([os.path.join(SCRIPTS, "redis-instance"), "stop", redis_dir], capture_output=True)
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], capture_output=True)
        if ec.results["failed"]:
            for log in sorted(os.path.join(root, name) for root, _, names in os.walk(work) for name in names
                              if name == "server.log"):
                print(f"--- {log} (tail)")
                print(open(log, errors="replace").read()[-2000:])
        shutil.rmtree(work, ignore_errors=True)
    print(f"broker-check: {ec.results['passed']} passed, {ec.results['failed']} failed")
    sys.exit(1 if ec.results["failed"] else 0)


if __name__ == "__main__":
    main()
