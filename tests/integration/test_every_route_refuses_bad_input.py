"""Every API operation the portal serves, sent bad input over real HTTP: a clear problem, never a server error.

The cases come from the served OpenAPI document, so a new route is probed the day it appears: malformed
JSON, an array instead of an object, each declared body field with a wrong type and as a string longer than
any field takes, an unknown field, a wrong Content-Type, a body larger than any operation takes, path values
that are too long or hold ``..%2F``, ``%00`` or plain text, a NUL in each text field, garbage in the declared
query parameters and a required one left out.
Each request carries the token of a persona that may call the operation, so the refusal is about the
input, not about who asks.

Every 4xx is ``application/problem+json`` with ``status`` and ``title``; a refused body field is named in
the problem's ``errors``; and a refused request writes nothing: the document store is the same afterwards,
and the list a refused create would have grown is as long as before.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from functions.http import MAX_BODY_BYTES
from local_host.azurite import Azurite
from shared.domain.response import response_id_for
from tests.azurite_fixture import azurite  # noqa: F401
from tests.e2e.conftest import portal_env
from tests.local_host_fixture import LocalHostProcess, start_local_host

# Longer than any field takes: the longest declared limit is the hearing text's 100,000 characters.
LONG = 100_001
ACTIVE = "demo-active"
DEMO_RESPONSE = response_id_for(ACTIVE, "dev:citizen-bo")
PLACEHOLDER_ID = "7b0e8f5e-3f5c-4a8e-9d0b-2f4b7f1c9a11"

# Valid values for path parameters, so each case changes one thing only.
PATH_VALUES = {
    "hearing_id": ACTIVE,
    "response_id": DEMO_RESPONSE,
    "meeting_id": PLACEHOLDER_ID,
    "group_id": PLACEHOLDER_ID,
    "flag_id": PLACEHOLDER_ID,
    "attachment_id": PLACEHOLDER_ID,
    "document_id": PLACEHOLDER_ID,
    "template_id": "lokalplan",
    "area_id": "amager",
    "number": "02.00",
    "language": "da",
    "target_id": ACTIVE,
}
KIND_VALUES = {"areas": "city-area", "notification-templates": "new_hearing", "subscriptions": "hearing"}
BAD_PATH_VALUES = {
    "too long": "x" * 1000,
    "dot-dot slash": "..%2F..%2Fmanagement",
    "NUL": "%00",
    "plain text": "not a uuid!",
}

# Who may call what (tests/integration/matrix_support.py has the whole table): the demo hearings belong to
# the hearing creator, the demo response to Bo, the reference data to the admin.
CITIZEN_OPERATIONS = {
    "submit_response": "citizen-anna",
    "revise_response": "citizen-bo",
    "withdraw_response": "citizen-bo",
    "request_attachment_upload": "citizen-bo",
    "response_receipt": "citizen-bo",
    "response_versions": "citizen-bo",
    "sign_up_for_meeting": "citizen-bo",
    "withdraw_from_meeting": "citizen-bo",
    "follow": "citizen-anna",
    "unfollow": "citizen-anna",
    "my_subscriptions": "citizen-anna",
    "my_data": "citizen-anna",
    "delete_my_data": "citizen-anna",
    "my_preferences": "citizen-anna",
    "set_preferences": "citizen-anna",
    "my_responses": "citizen-anna",
}
# A refused create must leave the list it would have grown as it was: (list path, persona).
LISTS = {
    "create_hearing": ("/api/hearings?mine=true&limit=100", "hearing-creator"),
    "submit_response": ("/api/me/responses", "citizen-anna"),
    "plan_meeting": (f"/api/hearings/{ACTIVE}/meetings", "hearing-creator"),
    "follow": ("/api/subscriptions", "citizen-anna"),
    "put_area": ("/api/management/areas/city-area", "admin"),
    "put_template": ("/api/management/templates", "admin"),
    "put_kle": ("/api/management/kle", "admin"),
    "publish_terms": ("/api/management/terms", "admin"),
}
# Functions of the development sign-in that read a JSON body without declaring it.
UNDECLARED_JSON_BODIES = {"dev_token"}


def persona_for(operation_id: str, path: str) -> str | None:
    if operation_id.startswith("dev_"):
        return None
    if operation_id in CITIZEN_OPERATIONS:
        return CITIZEN_OPERATIONS[operation_id]
    if path.startswith("/management/"):
        return "admin"
    return "hearing-creator"


@dataclass
class Case:
    name: str
    path: str
    content: bytes | None = None
    content_type: str | None = "application/json"
    params: dict[str, str] = field(default_factory=dict)
    names_field: str | None = None  # the field a 422 must name
    refused: bool = True  # a 4xx is required (else anything but a 5xx will do)
    status: int | None = None  # the refusal's status, where only one is right


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str  # the template, under /api
    spec: dict[str, Any]
    document: dict[str, Any]

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.document["components"]["schemas"][name]
        return schema

    def body_schema(self) -> dict[str, Any] | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            return None
        return self.resolve(content["application/json"]["schema"])

    def path_parameters(self) -> list[str]:
        return [p["name"] for p in self.spec.get("parameters", []) if p["in"] == "path"]

    def query_parameters(self) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == "query"]

    def concrete_path(self, **override: str) -> str:
        segments = []
        parts = self.path.strip("/").split("/")
        for index, segment in enumerate(parts):
            if segment.startswith("{") and segment.endswith("}"):
                name = segment[1:-1]
                if name in override:
                    segments.append(override[name])
                elif name == "kind":
                    segments.append(KIND_VALUES[parts[index - 1]])
                else:
                    segments.append(PATH_VALUES[name])
            else:
                segments.append(segment)
        return "/api/" + "/".join(segments)


def operations(document: dict[str, Any]) -> list[Operation]:
    return [
        Operation(spec["operationId"], method.upper(), path, spec, document)
        for path, methods in document["paths"].items()
        for method, spec in methods.items()
    ]


def types_of(operation: Operation, schema: dict[str, Any]) -> set[str]:
    """The JSON types a field takes ("null" left out), following references and anyOf."""
    found: set[str] = set()
    options = schema.get("anyOf") or schema.get("oneOf") or [schema]
    for option in options:
        option = operation.resolve(option)
        if "enum" in option:
            found.add("enum")
        elif "type" in option:
            kinds = option["type"] if isinstance(option["type"], list) else [option["type"]]
            found.update(kind for kind in kinds if kind != "null")
        elif "properties" in option:
            found.add("object")
    return found


def wrong_value(kinds: set[str]) -> Any:
    """A value of a JSON type the field does not take."""
    if kinds & {"string", "enum"}:
        return {"not": "a string"} if "object" not in kinds else ["not", "a", "string"]
    if kinds & {"integer", "number", "boolean", "array"}:
        return {"not": "this"}
    return "not an object"


def valid_body(operation: Operation) -> dict[str, Any]:
    """A body that passes parsing, so that one changed field is the only thing wrong."""
    from tests.integration.matrix_support import ASKS, Target

    target = Target(kind="active-external", hearing_id=ACTIVE, response_id=DEMO_RESPONSE, start=None)
    ask = ASKS.get(operation.operation_id)
    body = ask(target).body if ask is not None else None
    body = dict(body) if isinstance(body, dict) else {}
    if "templateId" in body:
        body["templateId"] = "lokalplan"  # the demo data's template
    return body


def cases_for(operation: Operation) -> Iterator[Case]:
    path = operation.concrete_path()
    schema = operation.body_schema()
    if schema is not None or operation.operation_id in UNDECLARED_JSON_BODIES:
        yield Case("malformed JSON", path, b'{"text": "unterminated')
        yield Case("an array instead of an object", path, b'[{"text": "a"}]')
    if schema is not None:
        base = valid_body(operation)
        for name, declared in schema.get("properties", {}).items():
            kinds = types_of(operation, declared)
            body = {**base, name: wrong_value(kinds)}
            yield Case(f"{name} of a wrong type", path, json.dumps(body).encode(), names_field=name)
            if kinds & {"string", "enum"}:
                body = {**base, name: "x" * LONG}
                yield Case(f"{name} of {LONG} characters", path, json.dumps(body).encode(), names_field=name)
            if "string" in kinds:
                body = {**base, name: "\u0000"}
                yield Case(f"{name} holding a NUL", path, json.dumps(body).encode(), names_field=name)
            items = operation.resolve(declared.get("items", {})) if "array" in kinds else {}
            if items.get("type") == "string":
                body = {**base, name: ["x" * LONG]}
                yield Case(f"{name} holding {LONG} characters", path, json.dumps(body).encode(), names_field=name)
                body = {**base, name: ["a\u0000"]}
                yield Case(f"{name} holding a NUL", path, json.dumps(body).encode(), names_field=name)
        body = {**base, "surelyNotAField": 1}
        yield Case("an unknown field", path, json.dumps(body).encode(), names_field="surelyNotAField")
        yield Case("a wrong Content-Type", path, json.dumps(base).encode(), content_type="application/xml")
        oversized = json.dumps({**base, "padding": "x" * MAX_BODY_BYTES}).encode()
        yield Case("a body larger than any operation takes", path, oversized, status=413)
    for name in operation.path_parameters():
        for label, value in BAD_PATH_VALUES.items():
            bad_path = operation.concrete_path(**{name: value})
            content = json.dumps(valid_body(operation)).encode() if schema is not None else None
            yield Case(f"{name} {label}", bad_path, content)
    for parameter in operation.query_parameters():
        name = parameter["name"]
        if parameter.get("required"):
            yield Case(f"{name} missing", path, names_field=name, status=422)
            yield Case(f"{name} blank", path, params={name: ""}, names_field=name, status=422)
        if parameter["schema"].get("type") == "integer":
            for value in ("abc", "-1", "99999999999999999999", "1.5"):
                yield Case(f"{name}={value}", path, params={name: value}, names_field=name)
        elif parameter["schema"].get("type") == "string":
            for value in ("\x00", "'; DROP TABLE documents; --", "x" * 10_000):
                yield Case(f"{name} garbage", path, params={name: value}, refused=False)
    if operation.method == "GET" and not operation.query_parameters():
        yield Case("an unknown query parameter", path, params={"surelyNotAParameter": "\x00"}, refused=False)


# -- the portal ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def portal(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHostProcess]:  # noqa: F811
    # With the demo data, as `make run` loads it.
    data = tmp_path_factory.mktemp("bad-input") / "data"
    host = start_local_host("function_app", data, portal_env(azurite), extra_args=("--seed",))
    try:
        yield host
    finally:
        host.stop()


def tokens(portal: LocalHostProcess) -> dict[str, str]:
    found = {}
    for persona in ("citizen-anna", "citizen-bo", "hearing-creator", "admin"):
        answer = portal.request("POST", "/api/dev/token", json={"persona": persona})
        answer.raise_for_status()
        found[persona] = answer.json()["accessToken"]
    return found


def stored(data_dir: Path) -> set[tuple[str, str, str, str]]:
    """Every document in the store by container, partition, id and ETag."""
    uri = f"file:{data_dir / 'documents.sqlite'}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as connection:
        rows = connection.execute("SELECT container, pk, id, etag FROM documents").fetchall()
    # Signing in remembers an employee's name and address for owner changes; that is no write of the request's.
    return {tuple(row) for row in rows if row[0] != "employees"}


def send(portal: LocalHostProcess, operation: Operation, case: Case, token: str | None) -> httpx.Response:
    headers = {}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    if case.content is not None and case.content_type is not None:
        headers["content-type"] = case.content_type
    url = httpx.URL(portal.base_url + case.path, params=case.params or None)
    return portal.client.request(operation.method, url, content=case.content, headers=headers)


def answers_a_page(operation: Operation) -> bool:
    # The development sign-in's persona chooser is a page in a browser: its refusals are pages too.
    return any("text/html" in answer.get("content", {}) for answer in operation.spec["responses"].values())


def listed(portal: LocalHostProcess, listing: tuple[str, str] | None, signed_in: dict[str, str]) -> Any:
    if listing is None:
        return None
    path, persona = listing
    answer = portal.request("GET", path, headers={"authorization": f"Bearer {signed_in[persona]}"})
    assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:200]}"
    return answer.json()


def problems_of(operation: Operation, case: Case, answer: httpx.Response) -> list[str]:
    what = f"{operation.method} {operation.path} ({operation.operation_id}), {case.name}: {answer.status_code}"
    if answer.status_code >= 500:
        return [f"{what}: a server error: {answer.text[:300]}"]
    found = []
    if case.refused and answer.status_code < 400:
        found.append(f"{what}: accepted")
    if case.status is not None and answer.status_code != case.status:
        found.append(f"{what}: not {case.status}")
    if 400 <= answer.status_code < 500 and not answers_a_page(operation):
        if answer.headers.get("content-type", "").split(";")[0] != "application/problem+json":
            found.append(f"{what}: answered {answer.headers.get('content-type')!r}, not a problem")
            return found
        body = answer.json()
        if body.get("status") != answer.status_code or not body.get("title"):
            found.append(f"{what}: the problem lacks status or title: {body}")
        if case.names_field is not None and answer.status_code == 422:
            named = {str(error.get("field", "")) for error in body.get("errors", [])}
            if not any(
                n == case.names_field or n.startswith((case.names_field + ".", case.names_field + "[")) for n in named
            ):
                found.append(f"{what}: the problem does not name {case.names_field!r}: {body}")
        elif case.names_field is not None:
            found.append(f"{what}: not a 422 naming {case.names_field!r}: {body}")
    return found


def test_every_operation_refuses_bad_input_clearly_and_writes_nothing(portal: LocalHostProcess) -> None:
    document = portal.request("GET", "/api/openapi.json").json()
    signed_in = tokens(portal)
    found: list[str] = []
    probed = 0
    for operation in operations(document):
        persona = persona_for(operation.operation_id, operation.path)
        token = signed_in[persona] if persona is not None else None
        listing = LISTS.get(operation.operation_id)
        cases = list(cases_for(operation))
        # What an earlier operation set going (screening, relays) settles before the store is looked at.
        portal.wait_idle()
        before_list = listed(portal, listing, signed_in)
        before = stored(portal.data_dir)
        for case in [case for case in cases if case.refused]:
            probed += 1
            found.extend(problems_of(operation, case, send(portal, operation, case, token)))
        after = stored(portal.data_dir)
        if after != before:
            changed = sorted((after - before) | (before - after))[:5]
            found.append(f"{operation.method} {operation.path}: bad input changed the store: {changed}")
        if listing is not None and listed(portal, listing, signed_in) != before_list:
            found.append(f"{operation.method} {operation.path}: bad input grew {listing[0]}")
        # Requests that may be answered (a read with an unknown parameter) last: they may write, as a read
        # of personal data writes its audit entry.
        for case in [case for case in cases if not case.refused]:
            probed += 1
            found.extend(problems_of(operation, case, send(portal, operation, case, token)))
    assert probed > 500, "the OpenAPI document should give hundreds of cases"
    assert not found, f"{len(found)} of {probed} bad requests were answered wrongly:\n" + "\n".join(found)
