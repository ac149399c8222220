"""schemathesis hooks for scripts/api-fuzz.sh.

OpenAPI cannot express a few documented rules that tie one value to another
(the stream a domain event derives from its data, raw events needing
?raw=true, position and asOf being exclusive, a position within the ledger).
For *positive* test cases only, these hooks make the generated request obey
those rules, so that "schema-valid and rule-abiding requests are accepted"
(positive_data_acceptance) is a real check. Negative cases are never touched.
"""
import os

import schemathesis
from schemathesis.generation.modes import GenerationMode

# NDJSON bodies are text: send generated strings as they are.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")

DOMAIN_CATEGORIES = {"instance", "account", "workflow", "rtEvent", "batchEvent"}
# Positions 0..SEED_HEAD exist from the start (the head only grows).
SEED_HEAD = int(os.environ.get("API_FUZZ_SEED_HEAD", "0"))


def _is_positive(case):
    meta = case.meta
    return meta is not None and meta.generation.mode == GenerationMode.POSITIVE


def _without_nul(value):
    """PostgreSQL text and jsonb cannot hold U+0000; the API refuses it in any string."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


def _derived_stream(event_type, data):
    if event_type == "InstanceRegistered":
        return f"instance-{data['instance']}"
    if event_type.startswith("ExecutionAccount"):
        return f"account-{data['control']}.{data['account']}"
    if event_type.startswith("Workflow"):
        workflow = "updateEventStatus" if data["workflow"] == "updateEventsStatus" else data["workflow"]
        return f"workflow-{data['instance']}.{workflow}"
    if event_type == "EventStatusChanged":
        category = "rtEvent" if data["queue"] == "realtime" else "batchEvent"
        return f"{category}-{data['instance']}.{data['eventId']}"
    return None


ARCHIVING_PREFIX = "mcSynch_"
DERIVED_KINDS = {
    "batchEventsProcessing": "batchEventsProcessing",
    "rtEventsProcessing": "rtEventsProcessing",
    "updateEventStatus": "updateEventStatus",
    "updateEventsStatus": "updateEventStatus",
}


def _is_account_name(name):
    return 0 < len(name) <= 64 and all(c.isascii() and (c.isalnum() or c == "_") for c in name)


def _obey_workflow_created(data):
    """A given kind or account must agree with the workflow's internal name."""
    workflow = data["workflow"]
    derived_kind, derived_account = DERIVED_KINDS.get(workflow), None
    if workflow.startswith(ARCHIVING_PREFIX) and _is_account_name(workflow[len(ARCHIVING_PREFIX):]):
        derived_kind, derived_account = "archiving", workflow[len(ARCHIVING_PREFIX):]
    if derived_kind is not None and data.get("kind") is not None:
        data["kind"] = derived_kind
    if derived_account is not None and data.get("account") is not None:
        data["account"] = derived_account
    kind = derived_kind or data.get("kind")
    if data.get("account") is not None and kind is not None and kind != "archiving":
        data["account"] = None


def _obey_event_rules(event, raw_needed):
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        return
    # JSON Schema counts 7.0 as an integer; the ledger wants an integer literal.
    version = event.get("expectedVersion")
    if isinstance(version, float) and version.is_integer():
        event["expectedVersion"] = int(version)
    event_type = event.get("type")
    if isinstance(event_type, str):
        try:
            stream = _derived_stream(event_type, event["data"])
        except (KeyError, TypeError):
            stream = None
        if stream is not None:
            if event_type == "WorkflowCreated":
                _obey_workflow_created(event["data"])
            if event.get("stream") is not None:
                event["stream"] = stream
        else:
            raw_needed.append(True)


@schemathesis.hook
def map_case(context, case):
    if not _is_positive(case):
        return case
    operation = f"{case.method.upper()} {case.path}"
    if operation == "POST /v1/events" and case.media_type == "application/json":
        case.body = _without_nul(case.body)
        raw_needed = []
        for event in case.body if isinstance(case.body, list) else [case.body]:
            _obey_event_rules(event, raw_needed)
        if raw_needed:
            case.query = dict(case.query or {}, raw="true")
    elif operation in ("GET /v1/readiness", "GET /v1/counts") and case.query:
        query = dict(case.query)
        if "position" in query and "asOf" in query:
            del query["asOf"]
        position = query.get("position")
        if isinstance(position, str) and position.isdigit():  # the coverage phase sends strings
            position = int(position)
        if isinstance(position, int) and not isinstance(position, bool) and position > SEED_HEAD:
            query["position"] = SEED_HEAD
        case.query = query
    return case


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure except one the document cannot avoid.

    The document describes an NDJSON body as a string of lines (OpenAPI 3.1
    has no per-line schema), so a generated string is not a list of events
    and its 400 is not a rejection of valid data.
    """
    if (
        case.media_type == "application/x-ndjson"
        and response.status_code == 400
        and type(failure).__name__ == "RejectedPositiveData"
    ):
        return False
    return True
