"""Static files (DKFDS and the portal's own CSS and JavaScript) from the function app itself.

Read once per process and kept in memory with their gzip form and a content hash. Pages link to
``/static/<path>?v=<hash>``: such a URL never changes content, so it is cached for a year; a request
without the current hash is cached for five minutes. ETags answer a revalidation with 304.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
_COMPRESSIBLE = ("text/", "application/javascript", "image/svg+xml", "application/json")
_TYPES = {".woff2": "font/woff2", ".js": "application/javascript", ".svg": "image/svg+xml", ".css": "text/css"}


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    gzipped: bytes | None
    content_type: str
    version: str

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


# Files read once per process: only those that exist, so made-up paths cannot fill the memory.
_FOUND: dict[str, StaticFile] = {}


def static_file(path: str) -> StaticFile | None:
    """The file at ``path`` under the static folder; None for anything outside it or missing."""
    found = _FOUND.get(path)
    if found is None:
        found = _read(path)
        if found is not None:
            _FOUND[path] = found
    return found


def _read(path: str) -> StaticFile | None:
    if "\x00" in path:
        return None  # no file name holds a NUL, and the file system refuses to look one up
    root = STATIC_DIR.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.is_file() or target.name.startswith("."):
        return None
    body = target.read_bytes()
    content_type = _TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    zipped = gzip.compress(body, mtime=0) if content_type.startswith(_COMPRESSIBLE) else None
    return StaticFile(body, zipped, content_type, hashlib.sha256(body).hexdigest()[:16])


def url_for(path: str) -> str:
    found = static_file(path)
    return f"/static/{path}?v={found.version}" if found else f"/static/{path}"
