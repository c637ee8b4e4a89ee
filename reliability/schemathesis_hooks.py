"""Schemathesis hooks for scripts/contract_fuzz.py (loaded through SCHEMATHESIS_HOOKS).

Credentials: one auth provider picks the token per operation -- the admin's (DOCKET_FUZZ_ADMIN_TOKEN) for the admin
operations, the metrics token (DOCKET_FUZZ_METRICS_TOKEN) for getMetrics, the user's (DOCKET_FUZZ_TOKEN) for every
other operation that declares bearerAuth, none for the public ones. It is an auth provider and not configured
`headers` on purpose: schemathesis (4.32.5) writes configured headers into every case, the one whose
`Authorization` was removed to test that a missing credential is refused included, and only drops the header again
at send time while the case is still negative. A `before_call` hook that edits the headers (the Idempotency-Key
below) makes schemathesis revalidate them; with the configured token back in them they are valid, the case turns
positive and the token went out (missing_required_header: "201 when missing the required 'Authorization' header").
An auth provider is not applied to a case whose security parameter was negated, so such a case never has a token.

createTask: an Idempotency-Key replayed with another body is a 422 by design (the contract says so), and Hypothesis
draws the same small keys again and again. A well-formed key is made unique per request, so a schema-valid create is
never refused for reusing a key (what the key is made of is kept: a `%` stays in it). A malformed key (negative
data) is sent as generated.
"""
import os
import re
import uuid

import schemathesis

_KEY = re.compile(r"^[!-~]{1,255}$")

# Operations run as the admin. listAgentActivity: its user_id/all parameters are admin-only.
ADMIN_OPERATIONS = frozenset({"listUsers", "listAuditEvents", "updateUser", "listAgentActivity", "listSagas", "retrySaga"})


# refresh_interval=None: no caching -- the token depends on the operation (and a 401 after logout-all is expected,
# not a reason to fetch another).
@schemathesis.auth(refresh_interval=None)
class DocketTokens:
    def get(self, case, context):
        definition = case.operation.definition.raw
        operation_id = definition.get("operationId")
        if operation_id == "getMetrics":
            return os.environ["DOCKET_FUZZ_METRICS_TOKEN"]
        if not definition.get("security"):
            return None
        if operation_id in ADMIN_OPERATIONS:
            return os.environ["DOCKET_FUZZ_ADMIN_TOKEN"]
        return os.environ["DOCKET_FUZZ_TOKEN"]

    def set(self, case, data, context):
        if case.headers is None:
            case.headers = {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    if case.operation.label != "POST /api/v1/tasks" or not case.headers:
        return
    # A case whose Authorization a check altered is left alone: editing the headers makes schemathesis judge the case
    # again, and it must stay the negative case it is.
    presented = case.headers.get("Authorization")
    if presented is not None and presented != f"Bearer {os.environ.get('DOCKET_FUZZ_TOKEN', '')}":
        return
    for name in list(case.headers):
        value = case.headers[name]
        if name.lower() != "idempotency-key" or not isinstance(value, str):
            continue
        if _KEY.match(value):
            case.headers[name] = value[:222] + "-" + uuid.uuid4().hex
