"""The MCP part of abuse_check.py: one session's memory stays bounded however many calls it makes, and resuming a
stream with Last-Event-ID still works for the events the session holds."""
import http.client
import json
import re

PROTOCOL = "2025-06-18"


class MCPSession:
    """One MCP session over one keep-alive HTTP connection to 127.0.0.1."""

    def __init__(self, port, token):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                        "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": PROTOCOL}
        self.next_id = 0
        body = self.request("POST", {"method": "initialize", "params": {
            "protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "abuse-check", "version": "1"}}})
        assert "result" in body[-1], body
        self.request("POST", {"jsonrpc": "2.0", "method": "notifications/initialized"}, notification=True)

    def request(self, method, message, notification=False, extra=None):
        """Sends one message; returns the JSON messages of the answering event stream (their ids in self.event_ids)."""
        if not notification and method == "POST":
            self.next_id += 1
            message = {"jsonrpc": "2.0", "id": self.next_id, **message}
        headers = {**self.headers, **(extra or {})}
        self.connection.request(method, "/mcp", body=json.dumps(message).encode() if message else None, headers=headers)
        response = self.connection.getresponse()
        self.status = response.status
        if "Mcp-Session-Id" not in self.headers and response.getheader("Mcp-Session-Id"):
            self.headers["Mcp-Session-Id"] = response.getheader("Mcp-Session-Id")
        text = response.read().decode()
        self.event_ids = re.findall(r"^id: (\S+)$", text, re.M)
        return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: {")]

    def call(self, method, params=None):
        return self.request("POST", {"method": method, "params": params or {}})


def check_mcp(port, token, rss_kib, check, calls):
    """`calls` tools/list calls in one session raise RSS by at most 10 MiB; resumption works for what is held."""
    session = MCPSession(port, token)
    for _ in range(500):  # warm up: allocator arenas, caches
        session.call("tools/list")
    before = rss_kib()
    for _ in range(calls):
        answer = session.call("tools/list")
    after = rss_kib()
    check(session.status == 200 and "tools" in answer[-1]["result"],
          f"{calls:,} tools/list calls in one MCP session answered")
    check(after - before <= 10 * 1024,
          f"one MCP session's memory stays bounded: RSS +{(after - before) / 1024:.1f} MiB over {calls:,} calls (limit 10 MiB)")

    session.call("tools/call", {"name": "list_tasks", "arguments": {"limit": 1}})
    primed = session.event_ids[0]
    replayed = session.request("GET", None, extra={"Last-Event-ID": primed})
    check(session.status == 200 and len(replayed) == 1 and "result" in replayed[0],
          f"Last-Event-ID resumes the latest call's stream: {session.status}, {len(replayed)} message(s) replayed")
    session.request("GET", None, extra={"Last-Event-ID": "1_1"})
    check(session.status == 400, f"an event the session no longer holds is refused, not replayed: {session.status}")
    session.request("DELETE", None)
    check(session.status == 200, f"the session ends on DELETE: {session.status}")
