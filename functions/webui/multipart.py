"""A posted ``multipart/form-data`` body: its fields and its files, read in memory with python-multipart.

The request body is in memory already (the Functions host hands it over whole), so the files stay there
too; the services check each file's size, kind and count themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_FIELDS = 50
MAX_FIELD_BYTES = 200_000  # a response's text is at most 50,000 characters


@dataclass(frozen=True)
class UploadedFile:
    field: str
    filename: str
    data: bytes


@dataclass
class PostedForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)
    undecodable: bool = False  # a field's name or value was not UTF-8


def parse(content_type: str, body: bytes) -> PostedForm:
    """The fields and files of the body; a malformed body is an empty form (its fields are then missing)."""
    from python_multipart import FormParser  # loaded by the first form with files, not at start-up
    from python_multipart.exceptions import FormParserError

    form = PostedForm()

    def on_field(found: Any) -> None:
        try:
            name = (found.field_name or b"").decode("utf-8")
            value = (found.value or b"").decode("utf-8")[:MAX_FIELD_BYTES] if len(form.fields) < MAX_FIELDS else ""
        except UnicodeDecodeError:
            form.undecodable = True
            return
        if name and len(form.fields) < MAX_FIELDS:
            form.fields[name] = value

    def on_file(found: Any) -> None:
        name = (found.field_name or b"").decode("utf-8", errors="replace")
        filename = (found.file_name or b"").decode("utf-8", errors="replace")
        found.file_object.seek(0)
        data = found.file_object.read()
        found.close()
        # A file input left empty still sends a part, with no name and no content.
        if name and (filename or data) and len(form.files) < MAX_FIELDS:
            form.files.append(UploadedFile(name, filename, data))

    # Files stay in memory whatever their size: the body is in memory already.
    config = {"MAX_MEMORY_FILE_SIZE": max(len(body), 1), "MAX_FIELDS": MAX_FIELDS * 2}
    try:
        parser = FormParser("multipart/form-data", on_field, on_file, boundary=_boundary(content_type), config=config)
        parser.write(body)
        parser.finalize()
    except (FormParserError, ValueError):
        return PostedForm()
    return form


def _boundary(content_type: str) -> bytes:
    from python_multipart.multipart import parse_options_header

    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise ValueError("a multipart body needs a boundary")
    return boundary
