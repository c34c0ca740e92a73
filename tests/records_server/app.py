"""The SBSIP endpoints the SBSYS adapter uses, checked as a strict server would, with faults on demand.

State (cases, documents, links, tokens) lives in ``state.json`` and the files beside it in the
state folder, written before each answer, so what the server accepted survives a dropped answer
and can be read back by the tests. Faults are set through ``POST /control/faults``:

``error``               answer 500 without doing anything
``retry_after``         answer 503 with ``Retry-After: seconds``, without doing anything
``error_after_accept``  do the work, then answer 500
``drop_after_accept``   do the work, then drop the connection in the middle of the answer
``timeout``             do the work, then wait ``seconds`` before answering (longer than the client waits)
``slow``                wait ``seconds``, then do the work and answer
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

STEP_TITLES = ("Høringstekst", "Høringssvar", "Konklusion")
STATUSES = [{"Id": 1, "Navn": "Aktiv"}, {"Id": 3, "Navn": "Afsluttet"}]
Handler = Callable[[Request], Awaitable[Any]]


class Rejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class State:
    """Everything the server accepted, on disk."""

    def __init__(
        self, folder: Path, client_id: str, client_secret: str, users: list[str], templates: list[int]
    ) -> None:
        self.folder = folder
        self.files = folder / "files"
        self.files.mkdir(parents=True, exist_ok=True)
        self.path = folder / "state.json"
        self.lock = threading.Lock()
        self.client_id, self.client_secret = client_id, client_secret
        self.faults: list[dict[str, Any]] = []
        if self.path.exists():
            self.data = json.loads(self.path.read_text("utf-8"))
        else:
            self.data = {
                "tokens": [],
                "users": [{"Id": 100 + n, "LogonId": logon, "Navn": logon} for n, logon in enumerate(users)],
                "templates": templates,
                "cases": [],
                "steps": [],
                "documents": [],
                "links": [],
                "requests": [],
            }
            self.save()

    def save(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.data, ensure_ascii=False, indent=1), "utf-8")
        os.replace(temporary, self.path)

    def next_id(self, kind: str) -> int:
        return 1 + max((int(item["Id"] if "Id" in item else item["ID"]) for item in self.data[kind]), default=0)

    def take_fault(self, method: str, path: str) -> dict[str, Any] | None:
        """The fault for this call: ``method`` ``*`` matches any, and ``skip`` lets that many matching
        calls through first (so "fail from the Nth call on" is one fault)."""
        with self.lock:
            for fault in self.faults:
                if fault["method"] in (method, "*") and path.startswith(fault["path"]) and fault["times"] > 0:
                    if fault["skip"] > 0:
                        fault["skip"] -= 1
                        continue
                    fault["times"] -= 1
                    return dict(fault)
        return None


def create_app(state: State) -> Starlette:
    def api(handler: Handler) -> Handler:
        """Checks the bearer token, applies the faults set for the call, saves the state before answering."""

        async def endpoint(request: Request) -> Any:
            fault = state.take_fault(request.method, request.url.path)
            kind = fault["kind"] if fault else None
            seconds = float(fault["seconds"]) if fault else 0.0
            if kind == "error":
                return JSONResponse({"message": "injected failure"}, status_code=500)
            if kind == "retry_after":
                return JSONResponse({"message": "busy"}, status_code=503, headers={"Retry-After": str(int(seconds))})
            if kind == "slow":
                await asyncio.sleep(seconds)
            if not request.url.path.startswith("/token"):
                header = request.headers.get("authorization", "")
                if not header.startswith("Bearer ") or header[7:] not in state.data["tokens"]:
                    return JSONResponse({"message": "missing or unknown bearer token"}, status_code=401)
            try:
                body = await handler(request)
            except Rejected as rejected:
                return JSONResponse({"message": str(rejected)}, status_code=rejected.status)
            with state.lock:
                state.data["requests"].append(f"{request.method} {request.url.path}")
                state.save()
            answer: Response = body if isinstance(body, Response) else JSONResponse(body)
            if kind == "error_after_accept":
                return JSONResponse({"message": "injected failure after the work was done"}, status_code=500)
            if kind == "timeout":
                await asyncio.sleep(seconds)
            if kind == "drop_after_accept":
                return StreamingResponse(_dropped(), media_type="application/json")
            return answer

        return endpoint

    async def token(request: Request) -> Any:
        form = await request.form()
        if form.get("grant_type") != "client_credentials":
            raise Rejected(400, "grant_type must be client_credentials")
        if (form.get("client_id"), form.get("client_secret")) != (state.client_id, state.client_secret):
            raise Rejected(401, "unknown client")
        value = uuid.uuid4().hex
        with state.lock:
            state.data["tokens"].append(value)
        return {"access_token": value, "token_type": "Bearer", "expires_in": 3600}

    async def user_search(request: Request) -> Any:
        logon = str((await _json(request)).get("LogonId", ""))
        return [user for user in state.data["users"] if user["LogonId"].casefold() == logon.casefold()]

    async def case_search(request: Request) -> Any:
        query = await _json(request)
        cases = state.data["cases"]
        if "Nummer" in query:
            return [case for case in cases if case["Nummer"] == query["Nummer"]]
        if "SagsTitel" in query:
            return [case for case in cases if str(query["SagsTitel"]) in case["SagsTitel"]]
        raise Rejected(400, "search by Nummer or SagsTitel")

    async def case_from_template(request: Request) -> Any:
        body = await _json(request)
        title, user_id, template = body.get("SagsTitel"), body.get("SagsBehandlerID"), body.get("SkabelonId")
        if not isinstance(title, str) or not title.strip():
            raise Rejected(400, "SagsTitel is required")
        if template not in state.data["templates"]:
            raise Rejected(400, f"unknown SkabelonId {template}")
        if all(user["Id"] != user_id for user in state.data["users"]):
            raise Rejected(400, f"unknown SagsBehandlerID {user_id}")
        with state.lock:
            case_id = state.next_id("cases")
            case = {
                "Id": case_id,
                "SagIdentity": str(uuid.uuid4()),
                "Nummer": f"00.00.00-P20-{case_id}-26",
                "SagsTitel": title,
                "SkabelonId": template,
                "BehandlerId": user_id,
                "SagsStatus": STATUSES[0],
            }
            state.data["cases"].append(case)
            for step_title in STEP_TITLES:
                state.data["steps"].append({"ID": state.next_id("steps"), "SagID": case_id, "Titel": step_title})
        return case

    async def steps_of_case(request: Request) -> Any:
        case = _case_by_id(state, int(request.path_params["case_id"]))
        return [step for step in state.data["steps"] if step["SagID"] == case["Id"]]

    async def documents_of_case(request: Request) -> Any:
        case = _case_by_id(state, int(request.path_params["case_id"]))
        return [_metadata(document) for document in state.data["documents"] if document["SagID"] == case["Id"]]

    async def journalise(request: Request) -> Any:
        form = await request.form()
        raw, upload = form.get("json"), form.get("file")
        if not isinstance(raw, str | UploadFile) or not isinstance(upload, UploadFile):
            raise Rejected(400, "a multipart body with a json part and a file part is required")
        metadata = json.loads(raw if isinstance(raw, str) else await raw.read())
        if set(metadata) != {"SagID", "DokumentNavn", "Beskrivelse"}:
            raise Rejected(
                400, f"the json part has exactly SagID, DokumentNavn and Beskrivelse, not {sorted(metadata)}"
            )
        case = _case_by_id(state, int(metadata["SagID"]))
        content = await upload.read()
        if not content or not metadata["DokumentNavn"] or not upload.content_type:
            raise Rejected(400, "a document needs a name, a content type and content")
        with state.lock:
            document_id = state.next_id("documents")
            (state.files / str(document_id)).write_bytes(content)
            document = {
                "Id": document_id,
                "SagID": case["Id"],
                "DokumentNavn": metadata["DokumentNavn"],
                "Beskrivelse": metadata["Beskrivelse"],
                "ContentType": upload.content_type,
                "Filename": upload.filename,
                "Size": len(content),
                "Sha256": hashlib.sha256(content).hexdigest(),
            }
            state.data["documents"].append(document)
        return _metadata(document)

    async def link(request: Request) -> Any:
        step_id = int(request.path_params["step_id"])
        body = await _json(request)
        steps = [step for step in state.data["steps"] if step["ID"] == step_id]
        documents = [doc for doc in state.data["documents"] if doc["Id"] == body.get("DokumentRegistreringId")]
        if not steps or not documents:
            raise Rejected(404, "no such step or document")
        if steps[0]["SagID"] != documents[0]["SagID"]:
            raise Rejected(400, "the document belongs to another case")
        pair = [step_id, documents[0]["Id"]]
        with state.lock:
            if pair not in state.data["links"]:  # linking again changes nothing
                state.data["links"].append(pair)
        return _metadata(documents[0])

    async def document_file(request: Request) -> Any:
        document_id = int(request.path_params["document_id"])
        documents = [doc for doc in state.data["documents"] if doc["Id"] == document_id]
        if not documents:
            raise Rejected(404, "no such document")
        content = (state.files / str(document_id)).read_bytes()
        return Response(content, media_type=documents[0]["ContentType"])

    async def status_list(request: Request) -> Any:
        return STATUSES

    async def set_status(request: Request) -> Any:
        identity = request.path_params["identity"]
        cases = [case for case in state.data["cases"] if case["SagIdentity"] == identity]
        body = await _json(request)
        statuses = [status for status in STATUSES if status["Id"] == body.get("SagsStatusID")]
        if not cases or not statuses:
            raise Rejected(404, "no such case or status")
        with state.lock:
            cases[0]["SagsStatus"] = statuses[0]
            cases[0]["Kommentar"] = body.get("Kommentar")
        return cases[0]

    async def set_faults(request: Request) -> Response:
        body = await request.json()
        with state.lock:
            defaults = {"method": "POST", "times": 1, "seconds": 0, "skip": 0}
            state.faults = [{**defaults, **fault} for fault in body.get("faults", [])]
        return JSONResponse({"faults": state.faults})

    async def read_state(request: Request) -> Response:
        with state.lock:
            return JSONResponse({**state.data, "faults": state.faults})

    return Starlette(
        routes=[
            Route("/token", api(token), methods=["POST"]),
            Route("/api/bruger/search", api(user_search), methods=["POST"]),
            Route("/api/sag/search", api(case_search), methods=["POST"]),
            Route("/api/sag/template", api(case_from_template), methods=["POST"]),
            Route("/api/sag/sagStatusList", api(status_list), methods=["GET"]),
            Route("/api/sag/{case_id:int}/dokumenter", api(documents_of_case), methods=["GET"]),
            Route("/api/sag/{identity}/status", api(set_status), methods=["PUT"]),
            Route("/api/delforloeb/sag/{case_id:int}", api(steps_of_case), methods=["GET"]),
            Route("/api/delforloeb/{step_id:int}/dokument", api(link), methods=["POST"]),
            Route("/api/dokument/journaliser", api(journalise), methods=["POST"]),
            Route("/api/dokument/{document_id:int}/fil", api(document_file), methods=["GET"]),
            Route("/control/faults", set_faults, methods=["POST"]),
            Route("/control/state", read_state, methods=["GET"]),
        ]
    )


async def _json(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0] != "application/json":
        raise Rejected(415, "application/json is required")
    body = await request.json()
    if not isinstance(body, dict):
        raise Rejected(400, "a JSON object is required")
    return body


def _case_by_id(state: State, case_id: int) -> dict[str, Any]:
    for case in state.data["cases"]:
        if case["Id"] == case_id:
            return dict(case)
    raise Rejected(404, f"no case {case_id}")


def _metadata(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "Id": document["Id"],
        "DokumentID": document["Id"],
        "SagID": document["SagID"],
        "DokumentNavn": document["DokumentNavn"],
        "Beskrivelse": document["Beskrivelse"],
        "Filer": [{"Filnavn": document["Filename"], "MimeType": document["ContentType"], "Size": document["Size"]}],
    }


async def _dropped() -> AsyncIterator[bytes]:
    yield b'{"Id": '
    raise ConnectionAbortedError("the connection drops after the work was done")
