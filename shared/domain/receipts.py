"""What a signed receipt and a signed tree head say, and the exact bytes that are signed.

Both are JWS compact serialisations (RFC 7515) signed with ES256; the JWS payload is the canonical
form below, and the receipt's payload bytes are also its leaf in the hearing's Merkle log, so the
signed statement and the logged statement are the same bytes.

Canonical form: JSON with keys sorted, no whitespace, UTF-8, integers and strings only (no floats).
For such values this is byte for byte what RFC 8785 (JCS) gives as long as keys are ASCII, which the
models' camelCase field names are.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from shared.domain.base import Instant, PortalModel
from shared.domain.errors import InvalidInput

RECEIPT_TYPE = "hearing-portal/receipt/v1"
TREE_HEAD_TYPE = "hearing-portal/tree-head/v1"
ALGORITHM = "ES256"

HEX_SHA256 = r"^[0-9a-f]{64}$"


class ReceiptPayload(PortalModel):
    """The statement a receipt signs: this response, in this version, arrived at this instant with this content."""

    type: Literal["hearing-portal/receipt/v1"] = "hearing-portal/receipt/v1"
    hearing_id: str = Field(min_length=1)
    response_id: str = Field(min_length=1)
    number: int | None = Field(default=None, ge=1, description="The response's number once numbering exists")
    version: int = Field(ge=1, description="1 for the first submission, one more for each edit")
    received_at: Instant
    text_sha256: str = Field(pattern=HEX_SHA256, description="SHA-256 of the text as UTF-8, lowercase hex")
    attachment_sha256: list[str] = Field(default_factory=list, description="SHA-256 of each attachment, in order")

    @classmethod
    def of(
        cls,
        hearing_id: str,
        response_id: str,
        version: int,
        received_at: datetime,
        text: str,
        attachments: list[bytes] | None = None,
        number: int | None = None,
        attachment_digests: Sequence[str] = (),
    ) -> ReceiptPayload:
        """``attachments`` are contents to hash; ``attachment_digests`` their SHA-256 already known."""
        return cls(
            hearing_id=hearing_id,
            response_id=response_id,
            number=number,
            version=version,
            received_at=received_at,
            text_sha256=sha256_hex(text.encode()),
            attachment_sha256=[sha256_hex(content) for content in attachments or []] + list(attachment_digests),
        )

    @property
    def entry_key(self) -> str:
        """One log entry per response version and set of attachments: a retried append finds the first
        one, and an attachment accepted later gives the version a new receipt of its own."""
        return entry_key(self.response_id, self.version, self.attachment_sha256)


class TreeHeadPayload(PortalModel):
    type: Literal["hearing-portal/tree-head/v1"] = "hearing-portal/tree-head/v1"
    hearing_id: str = Field(min_length=1)
    tree_size: int = Field(ge=0)
    root_hash: str = Field(pattern=HEX_SHA256)
    timestamp: Instant
    final: Literal[True] | None = Field(
        default=None, description="Set on the head published at the conclusion: nothing is appended after it"
    )


def entry_key(response_id: str, version: int, attachment_sha256: Sequence[str] = ()) -> str:
    key = f"{response_id}/v{version}"
    if attachment_sha256:
        # Without attachments the key stays what it always was, so logs written before still match.
        key += "/a" + sha256_hex(",".join(attachment_sha256).encode())[:32]
    return key


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def canonical_json(model: PortalModel) -> bytes:
    """The bytes that are signed (and, for a receipt, logged); ``None`` fields are left out."""
    document = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jws_signing_input(kid: str, payload: bytes) -> bytes:
    header = {"alg": ALGORITHM, "kid": kid}
    encoded = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    return f"{b64url(encoded)}.{b64url(payload)}".encode()


def compact_jws(signing_input: bytes, signature: bytes) -> str:
    return f"{signing_input.decode()}.{b64url(signature)}"


def jws_payload(jws: str, *, field: str = "receipt") -> bytes:
    """The payload bytes of a compact JWS, unverified (the verifier checks the signature)."""
    parts = jws.split(".")
    if len(parts) != 3:
        raise InvalidInput("is not a compact JWS (three dot-separated parts)", field=field)
    try:
        return b64url_decode(parts[1])
    except ValueError:
        raise InvalidInput("has a payload that is not base64url", field=field) from None


def json_of(raw: bytes) -> Any:
    """Parse JSON from outside; raises ValueError for anything that is not JSON, including nesting
    deeper than the parser recurses (which Python reports as RecursionError)."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("nested too deep") from None


def receipt_payload_of(jws: str) -> ReceiptPayload:
    try:
        return ReceiptPayload.model_validate(json_of(jws_payload(jws)))
    except ValueError:
        raise InvalidInput("is not a hearing portal receipt", field="receipt") from None
