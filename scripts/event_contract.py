#!/usr/bin/env python3
"""The event contract (Sources/DocketAPI/asyncapi.yaml) as a validator, for the event and webhook checks.

    import event_contract
    errors = event_contract.validate(envelope)      # [] when the event matches its type's schema
    event_contract.documented_types()                # every event type the document describes
    event_contract.feed_types()                      # the types the SSE/WebSocket feeds carry

`load()` reads asyncapi.yaml and openapi.yaml (same folder) and resolves the cross-file `$ref`s
(`./openapi.yaml#/components/schemas/Task`) with `referencing`; the schema of an event is picked by its `type`
through the messages of the document (message `name` → payload schema). Needs PyYAML, jsonschema and referencing.

`python3 scripts/event_contract.py` is a self-test: every local `$ref` resolves, each message has its schema, and
hand-written events validate (or fail) as they should. Exits non-zero on an unexpected result.
"""
import sys
from pathlib import Path

import jsonschema
import referencing
import yaml
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "Sources" / "DocketAPI"

_contract = None


class Contract:
    """The loaded documents, a registry resolving refs between them, and one validator per event type."""

    def __init__(self, asyncapi_path=API / "asyncapi.yaml", openapi_path=API / "openapi.yaml"):
        asyncapi_path, openapi_path = Path(asyncapi_path).resolve(), Path(openapi_path).resolve()
        self.asyncapi = yaml.safe_load(asyncapi_path.read_text())
        self.openapi = yaml.safe_load(openapi_path.read_text())
        self.asyncapi_uri = asyncapi_path.as_uri()
        self.registry = referencing.Registry().with_resources([
            (self.asyncapi_uri, DRAFT202012.create_resource(self.asyncapi)),
            (openapi_path.as_uri(), DRAFT202012.create_resource(self.openapi)),
        ])
        self.schema_names = {}      # event type -> components/schemas name
        for message in self.asyncapi["components"]["messages"].values():
            ref = message.get("payload", {}).get("$ref", "")
            if ref.startswith("#/components/schemas/") and ref.endswith("Event"):
                name = ref.rsplit("/", 1)[1]
                previous = self.schema_names.setdefault(message["name"], name)
                if previous != name:
                    raise ValueError(f"{message['name']} has two payload schemas: {previous} and {name}")
        self.validators = {
            event_type: jsonschema.Draft202012Validator(
                {"$ref": f"{self.asyncapi_uri}#/components/schemas/{name}"},
                registry=self.registry, format_checker=jsonschema.FormatChecker())
            for event_type, name in self.schema_names.items()}

    def channel_types(self, channel):
        messages = self.asyncapi["channels"][channel]["messages"].values()
        resolved = [self.resolve_local(message["$ref"]) if "$ref" in message else message for message in messages]
        return {message["name"] for message in resolved if message.get("name") in self.schema_names}

    def resolve_local(self, ref):
        """A `#/…` pointer into the AsyncAPI document (JSON Pointer escapes included)."""
        node = self.asyncapi
        for part in ref.lstrip("#/").split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def validate(self, envelope):
        if not isinstance(envelope, dict):
            return [f"<root>: not a JSON object: {type(envelope).__name__}"]
        event_type = envelope.get("type")
        validator = self.validators.get(event_type) if isinstance(event_type, str) else None
        if validator is None:
            return [f"/type: {event_type!r} is not a documented event type"]
        errors = []
        for error in sorted(validator.iter_errors(envelope), key=lambda e: list(map(str, e.absolute_path))):
            where = "/" + "/".join(str(part) for part in error.absolute_path)
            message = error.message if len(error.message) <= 300 else error.message[:300] + "…"
            errors.append(f"{where}: {message}")
        return errors


def load(asyncapi_path=None, openapi_path=None):
    """Reads (or re-reads, with other paths) the contract; the module functions use the last one loaded."""
    global _contract
    if asyncapi_path or openapi_path or _contract is None:
        _contract = Contract(asyncapi_path or API / "asyncapi.yaml", openapi_path or API / "openapi.yaml")
    return _contract


def validate(envelope):
    """The ways `envelope` breaks its type's schema, as 'JSON pointer: message' lines; empty when it is valid."""
    return load().validate(envelope)


def documented_types():
    """Every event type the document gives a schema for."""
    return set(load().schema_names)


def feed_types():
    """The event types the SSE feed carries (every documented type but webhook.test)."""
    return load().channel_types("eventStream")


# ---- self-test --------------------------------------------------------------------------------------------------

def _local_refs(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield path, value
            else:
                yield from _local_refs(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _local_refs(value, f"{path}/{index}")


def _samples():
    user_id = "5b1f3c2e-8a41-4f0e-9c7d-2a6b9e0f1d34"
    task = {"id": "0d6c1a7e-3b52-4c8f-a1e9-7f2d4b6c8e01", "user_id": user_id, "title": "Write the README",
            "status": "done", "priority": "high", "due_date": "2026-12-01", "completed_at": "2026-12-02T13:20:00Z",
            "created_at": "2026-12-01T09:00:00Z", "updated_at": "2026-12-02T13:20:00Z", "version": 3}
    completed = {"specversion": "1.0", "id": "9f0e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f", "source": "/docket",
                 "type": "task.completed", "subject": f"tasks/{task['id']}", "time": "2026-12-02T13:20:00.123456Z",
                 "datacontenttype": "application/json", "seq": 17, "actortype": "mcp",
                 "actorid": "3c2b1a09-8f7e-4d6c-9b5a-0f1e2d3c4b5a", "actortool": "complete_task",
                 "requestid": "req-1", "schemaversion": 1,
                 "data": {"task": task, "changes": {"status": {"from": "todo", "to": "done"}}}}
    renamed = {**completed, "type": "user.updated", "subject": f"users/{user_id}", "seq": 18, "actortype": "user",
               "actorid": user_id, "data": {
                   "user": {"id": user_id, "email": "ada@example.com", "name": "Ada L.", "role": "user",
                            "email_verified": True, "active": True, "deactivated": False, "deletion_pending": False,
                            "created_at": "2026-12-01T09:00:00Z",
                            "updated_at": "2026-12-02T13:20:00Z"},
                   "changes": {"name": {"from": "Ada", "to": "Ada L."}}}}
    del renamed["actortool"]
    disabled = {**renamed, "type": "webhook.disabled", "subject": "webhooks/7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928",
                "actortype": "system", "seq": 19,
                "data": {"webhook_id": "7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928", "url": "https://example.com/hook",
                         "reason": "the receiver answered 410 Gone"}}
    del disabled["actorid"], disabled["requestid"]
    test = {**disabled, "type": "webhook.test", "seq": 0,
            "data": {"webhook_id": disabled["data"]["webhook_id"], "message": "a test delivery"}}
    valid = [completed, renamed, disabled, test]
    invalid = {
        "an unknown type": {**completed, "type": "task.exploded"},
        "an extra envelope attribute": {**completed, "color": "red"},
        "a missing seq": {key: value for key, value in completed.items() if key != "seq"},
        "an unknown actortype": {**completed, "actortype": "robot"},
        "actortool without mcp": {**completed, "actortype": "token"},
        "an upper-case id": {**completed, "id": completed["id"].upper()},
        "time without microseconds": {**completed, "time": "2026-12-02T13:20:00Z"},
        "a user subject on a task event": {**completed, "subject": f"users/{user_id}"},
        "an extra data key": {**completed, "data": {**completed["data"], "extra": 1}},
        "a completion whose status is not done": {**completed, "data": {
            "task": {**task, "status": "todo"}, "changes": {"status": {"from": "done", "to": "todo"}}}},
        "an unknown changed field": {**completed, "data": {**completed["data"], "changes": {
            "status": {"from": "todo", "to": "done"}, "colour": {"from": None, "to": "red"}}}},
        "a task missing its title": {**completed, "data": {**completed["data"], "task": {
            key: value for key, value in task.items() if key != "title"}}},
        "a bad task priority (Task from openapi.yaml)": {**completed, "data": {**completed["data"], "task": {
            **task, "priority": "urgent"}}},
        "a webhook.disabled without reason": {**disabled, "data": {
            key: value for key, value in disabled["data"].items() if key != "reason"}},
        "seq 0 on a feed event": {**completed, "seq": 0},
        "a webhook.test with a stream seq": {**test, "seq": 5},
        "not an object": ["task.created"],
    }
    return valid, invalid


def _self_test():
    failures = 0

    def check(condition, message):
        nonlocal failures
        print(("  ok   " if condition else "  FAIL ") + message, flush=True)
        failures += 0 if condition else 1

    contract = load()
    unresolved = []
    for where, ref in _local_refs(contract.asyncapi):
        try:
            if ref.startswith("#/"):
                contract.resolve_local(ref)
            else:
                contract.registry.resolver(contract.asyncapi_uri).lookup(ref)
        except (KeyError, IndexError, ValueError, referencing.exceptions.Unresolvable):
            unresolved.append(f"{where}: {ref}")
    check(not unresolved, "every $ref of asyncapi.yaml resolves" + (f": {unresolved}" if unresolved else ""))
    expected = {"task.created", "task.updated", "task.completed", "task.reopened", "task.deleted", "user.updated",
                "export.ready", "webhook.disabled", "webhook.test"}
    check(documented_types() == expected, f"each event type has a payload schema: {sorted(documented_types())}")
    check(feed_types() == expected - {"webhook.test"}, f"the feed carries every type but webhook.test: {sorted(feed_types())}")
    check(contract.channel_types("eventSocket") == feed_types(), "the WebSocket feed carries the same types as SSE")
    check(contract.channel_types("webhookDelivery") == expected, "webhook deliveries carry every type")
    valid, invalid = _samples()
    for envelope in valid:
        errors = validate(envelope)
        check(not errors, f"a valid {envelope['type']} event passes" + (f": {errors}" if errors else ""))
    for name, envelope in invalid.items():
        errors = validate(envelope)
        check(bool(errors), f"{name} is refused" + (f" ({errors[0]})" if errors else ""))
    print(f"event-contract: {len(valid) + len(invalid) + 5 - failures} passed, {failures} failed")
    return failures


if __name__ == "__main__":
    sys.exit(1 if _self_test() else 0)
