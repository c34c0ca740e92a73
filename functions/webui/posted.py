"""A posted form with repeated fields (checkboxes) and files (multipart), as the caseworker's forms send them.

``form_of`` (visits.py) reads single fields and files as text; forms that send several values under
one name (the area checkboxes) or a document to keep byte for byte read them here. Multipart bodies are
read by ``multipart.parse``, as the response form's attachments are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import azure.functions as func

from functions.webui import multipart

MAX_FIELDS = 200


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass
class Posted:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)
    too_large: bool = False  # the body was larger than allowed and was not read

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def all(self, name: str) -> list[str]:
        return list(self.fields.get(name, []))


def posted(req: func.HttpRequest, max_bytes: int) -> Posted:
    body = req.get_body()
    if len(body) > max_bytes:
        return Posted(too_large=True)
    content_type = req.headers.get("content-type") or ""
    if content_type.lower().startswith("multipart/form-data"):
        return _multipart(content_type, body)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return Posted()
    found = Posted()
    for name, value in pairs:
        found.fields.setdefault(name, []).append(value)
    return found


def _multipart(content_type: str, body: bytes) -> Posted:
    # The same python-multipart reading as the response form's attachments; a file comes back byte for byte.
    form = multipart.parse(content_type, body)
    found = Posted({name: [value] for name, value in form.fields.items()})
    for upload in form.files:
        found.files.setdefault(upload.field, Upload(upload.filename, upload.data))
    return found
