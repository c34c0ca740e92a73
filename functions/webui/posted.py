"""A posted form with repeated fields (checkboxes) and files (multipart), as the caseworker's forms send them.

``form_of`` (visits.py) reads single fields and files as text; forms that send several values under
one name or a document to keep byte for byte read them here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import azure.functions as func

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
    # The standard library's MIME parser reads multipart/form-data once given the request's content type;
    # a part without a transfer encoding comes back byte for byte.
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    found = Posted()
    if not message.is_multipart():
        return found
    for count, part in enumerate(message.iter_parts()):
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if count >= MAX_FIELDS or not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        filename = part.get_param("filename", header="content-disposition")
        if isinstance(filename, str):
            found.files[name] = Upload(filename, payload)
        else:
            found.fields.setdefault(name, []).append(payload.decode("utf-8", errors="replace"))
    return found
