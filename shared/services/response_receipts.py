"""Receipts of responses in the hearing's Merkle log, their versions, and "what was filed in my name?".

The 201 answer to a submission carries the immediate receipt (the digest of what was stored) and a
``receiptUrl``. The signed receipt is issued by the consumer of ``responses-received``, once the
response has its number: signing (a Key Vault call in Azure) and appending to the hearing's log (one
writer at a time per hearing) then happen beside the deadline-day rush instead of inside it, and each
version is signed once, with its number, instead of twice. Asking for the receipt before the consumer
got to it issues it then.

Attachments arrive after their response (the blob trigger accepts them minutes later), so a version's
receipt names the attachments accepted for it: those accepted before the next version was filed. An
attachment accepted later gives the version a new receipt, a new leaf beside the first; the receipt
file and the verifier use the newest, and the first stays in the log as what was received first.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from shared.domain import access
from shared.domain.attachments import AttachmentState
from shared.domain.audit import AuditEvent
from shared.domain.base import InputModel, Instant, PortalModel
from shared.domain.errors import InvalidInput, NotAuthenticated, NotFound, raises
from shared.domain.identity import Identity
from shared.domain.receipts import (
    ReceiptPayload,
    b64url_decode,
    json_of,
    jws_payload,
    receipt_payload_of,
    sha256_hex,
)
from shared.domain.response import Response, ResponseStatus
from shared.domain.screening.flags import FlagState
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore, Filter, Query
from shared.ports.signing import PublicJwk, ReceiptSigner
from shared.ports.vault import PersonalDataVault
from shared.services import numbering, receipt_log
from shared.services.guards import visible_hearing
from shared.services.receipt_log import ConsistencyProof, InclusionProof, ReceiptFile, SignedTreeHead
from shared.services.repositories import AuditRepository, ResponseRepository
from shared.services.viewers import viewer_of


class ReceiptKeys(PortalModel):
    keys: list[dict[str, Any]] = Field(description="JWKS (RFC 7517): every key a receipt may be signed with")


class TreeHeads(PortalModel):
    items: list[SignedTreeHead]


class VersionFile(PortalModel):
    """A file accepted for a version and kept with it when the response was withdrawn."""

    id: str
    filename: str
    content_type: str | None = None
    size: int | None = None
    sha256: str | None = None


class VersionView(PortalModel):
    version: int
    text: str
    digest: str
    text_sha256: str
    at: Instant
    receipt_url: str
    attachments: list[VersionFile] = Field(
        default_factory=list, description="Files that stayed with this version when it was withdrawn"
    )


class VersionsView(PortalModel):
    response_id: str
    hearing_id: str
    number: int | None
    status: ResponseStatus
    versions: list[VersionView]


class MyResponse(PortalModel):
    id: str
    hearing_id: str
    number: int | None
    status: ResponseStatus
    version: int
    received_at: Instant
    updated_at: Instant
    digest: str
    receipt_url: str


class MyResponses(PortalModel):
    items: list[MyResponse]
    continuation: str | None = None


class VerifyRequest(InputModel):
    """The receipt alone, or the whole receipt file as it was downloaded (its proof and tree head are
    for checking without the portal; the portal checks the receipt against its own log)."""

    receipt: str = Field(min_length=1, max_length=20_000, description="The signed receipt (compact JWS)")
    inclusion_proof: InclusionProof | None = Field(default=None, description="As in the receipt file; not needed here")
    tree_head: str | None = Field(
        default=None, max_length=20_000, description="As in the receipt file; not needed here"
    )


class Verdict(PortalModel):
    genuine: bool = Field(description="Signed by one of the portal's receipt keys, unaltered")
    in_log: bool = Field(description="This very receipt is a leaf of the hearing's log")
    log_index: int | None = None
    content: Literal["matches", "differs", "missing", "unchecked"] = Field(
        description="Whether the stored response still has the text this receipt names, in that version"
    )
    redacted: bool = Field(default=False, description="Parts are withheld from the public text; the original is kept")
    latest_version: int | None = Field(
        default=None, description="The response's version now; above the receipt's: edited since"
    )
    withdrawn: bool = False
    detail: str = ""


# -- the consumer's step ------------------------------------------------------------------------------


def issue_receipts(hearing_id: str, response_id: str, *, documents: DocumentStore, signer: ReceiptSigner) -> int:
    """Sign every version of the response not yet in the hearing's log; returns how many were new.

    Safe to repeat: a version already logged is found, not logged twice. Call it after numbering.
    """
    loaded = ResponseRepository(documents).get(hearing_id, response_id)
    if loaded is None:
        return 0
    issued = 0
    for payload in _payloads(loaded.model):
        if _logged(documents, payload) is None:
            receipt_log.issue_receipt(payload, documents=documents, signer=signer)
            issued += 1
    return issued


# -- HTTP -------------------------------------------------------------------------------------------


def receipt_keys(*, signer: ReceiptSigner) -> ReceiptKeys:
    return ReceiptKeys(keys=receipt_log.receipt_keys(signer=signer)["keys"])


@raises(NotAuthenticated, NotFound, InvalidInput)
def response_receipt(
    who: Identity | None,
    hearing_id: str,
    response_id: str,
    version: int | None = None,
    *,
    documents: DocumentStore,
    signer: ReceiptSigner,
    clock: Clock,
    vault: PersonalDataVault,
) -> ReceiptFile:
    """The receipt file of one version (the current one by default), for the respondent and the owner."""
    response = _readable(who, hearing_id, response_id, documents=documents, vault=vault, clock=clock)
    wanted = version or response.version
    if not 1 <= wanted <= response.version:
        raise InvalidInput(f"must be from 1 to {response.version}", field="version")
    if response.number is None or _logged(documents, _payloads(response)[wanted - 1]) is None:
        # The consumer has not got to it yet: do its step now, so the link in the answer always works.
        numbering.assign_number(hearing_id, response_id, documents=documents)
        issue_receipts(hearing_id, response_id, documents=documents, signer=signer)
    key = _payloads(response)[wanted - 1].entry_key
    return receipt_log.receipt_file(
        hearing_id, response_id, wanted, key, documents=documents, signer=signer, clock=clock
    )


@raises(NotAuthenticated, NotFound)
def response_versions(
    who: Identity | None,
    hearing_id: str,
    response_id: str,
    *,
    documents: DocumentStore,
    clock: Clock,
    vault: PersonalDataVault,
) -> VersionsView:
    response = _readable(who, hearing_id, response_id, documents=documents, vault=vault, clock=clock)
    base = f"/api/hearings/{hearing_id}/responses/{response_id}/receipt?version="
    return VersionsView(
        response_id=response.id,
        hearing_id=hearing_id,
        number=response.number,
        status=response.status,
        versions=[
            VersionView(
                version=v.version,
                text=v.text,
                digest=v.digest,
                text_sha256=sha256_hex(v.text.encode()),
                at=v.at,
                receipt_url=f"{base}{v.version}",
                attachments=[
                    VersionFile.model_validate(a.model_dump(include=set(VersionFile.model_fields)))
                    for a in v.attachments
                    if a.state is AttachmentState.ACCEPTED
                ],
            )
            for v in response.versions()
        ],
    )


@raises(NotFound)
def tree_heads(
    who: Identity | None, hearing_id: str, *, documents: DocumentStore, vault: PersonalDataVault
) -> TreeHeads:
    """The hearing's published signed tree heads, newest first; public for a hearing the caller may see."""
    visible_hearing(documents, viewer_of(who, vault), hearing_id)
    return TreeHeads(items=receipt_log.published_tree_heads(hearing_id, documents=documents))


@raises(NotFound, InvalidInput)
def tree_head_consistency(
    who: Identity | None,
    hearing_id: str,
    first: int,
    second: int,
    *,
    documents: DocumentStore,
    vault: PersonalDataVault,
) -> ConsistencyProof:
    visible_hearing(documents, viewer_of(who, vault), hearing_id)
    # The sizes arrive as the query parameters ``first`` and ``second``; a refusal names those.
    return receipt_log.consistency_proof(hearing_id, first, second, documents=documents, fields=("first", "second"))


@raises(InvalidInput)
def verify_receipt(request: VerifyRequest, *, documents: DocumentStore, signer: ReceiptSigner) -> Verdict:
    """Is the receipt genuine, is it in the hearing's log, and does the stored response still match it?"""
    payload = receipt_payload_of(request.receipt)
    if not _signature_holds(request.receipt, signer.public_keys()):
        return Verdict(genuine=False, in_log=False, content="unchecked", detail="the signature does not hold")
    index = _logged(documents, payload)
    in_log = False
    if index is not None:
        leaf = documents.read(receipt_log.CONTAINER, (payload.hearing_id,), f"leaf-{index:012d}")
        in_log = leaf is not None and jws_payload(str(leaf.body["receipt"])) == jws_payload(request.receipt)
    loaded = ResponseRepository(documents).get(payload.hearing_id, payload.response_id)
    if loaded is None:
        return Verdict(genuine=True, in_log=in_log, log_index=index if in_log else None, content="missing")
    response = loaded.model
    versions = {v.version: v for v in response.versions()}
    filed = versions.get(payload.version)
    kept = {
        a.sha256
        for a, last in response.filed_attachments()
        if a.state is AttachmentState.ACCEPTED and last >= payload.version
    }
    matches = (
        filed is not None
        and sha256_hex(filed.text.encode()) == payload.text_sha256
        and all(digest in kept for digest in payload.attachment_sha256)
    )
    return Verdict(
        genuine=True,
        in_log=in_log,
        log_index=index if in_log else None,
        content="matches" if matches else "differs",
        redacted=any(flag.state is FlagState.REDACTED for flag in response.flags),
        latest_version=response.version,
        withdrawn=response.status is ResponseStatus.WITHDRAWN,
    )


@raises(NotAuthenticated)
def my_responses(
    who: Identity | None, limit: int = 50, continuation: str | None = None, *, documents: DocumentStore
) -> MyResponses:
    """Every response filed in the caller's name, in every state, across hearings.

    A query across partitions filtered by ``respondent.subject``: fine for the embedded store; Cosmos DB
    fans it out to every physical partition of ``responses``, so at scale it wants a small index
    container partitioned by subject, written by the screening consumer.
    """
    if who is None:
        raise NotAuthenticated("sign in to see what was filed in your name")
    try:
        page = documents.query(
            ResponseRepository.container,
            Query(
                filters=(Filter("respondent.subject", "=", who.subject),),
                order_by="receivedAt",
                descending=True,
                limit=limit,
                continuation=continuation,
            ),
        )
    except ValueError as error:
        raise InvalidInput("not a continuation token from a previous page", field="continuation") from error
    items = []
    for stored in page.items:
        response = Response.model_validate(stored.body)
        items.append(
            MyResponse(
                id=response.id,
                hearing_id=response.hearing_id,
                number=response.number,
                status=response.status,
                version=response.version,
                received_at=response.received_at,
                updated_at=response.updated_at,
                digest=response.digest,
                receipt_url=f"/api/hearings/{response.hearing_id}/responses/{response.id}/receipt",
            )
        )
    return MyResponses(items=items, continuation=page.continuation)


# -- helpers ----------------------------------------------------------------------------------------


def _payloads(response: Response) -> list[ReceiptPayload]:
    """The receipt statement of each version, oldest first, with the attachments accepted for it."""
    versions = response.versions()
    # Each file with the last version it belongs to: a withdrawn version's files are not the next one's.
    accepted = [
        (a, last) for a, last in response.filed_attachments() if a.state is AttachmentState.ACCEPTED and a.sha256
    ]
    payloads = []
    for position, v in enumerate(versions):
        until = versions[position + 1].at if position + 1 < len(versions) else None
        digests = [
            str(a.sha256)
            for a, last in accepted
            if last >= v.version and (until is None or (a.processed_at is not None and a.processed_at < until))
        ]
        payloads.append(
            ReceiptPayload.of(
                response.hearing_id,
                response.id,
                v.version,
                v.at,
                v.text,
                number=response.number,
                attachment_digests=digests,
            )
        )
    return payloads


def current_payload(response: Response) -> ReceiptPayload:
    """The receipt statement of the response's current version."""
    return _payloads(response)[-1]


def _logged(documents: DocumentStore, payload: ReceiptPayload) -> int | None:
    return receipt_log.logged_index(payload.hearing_id, payload.entry_key, documents=documents)


def _readable(
    who: Identity | None,
    hearing_id: str,
    response_id: str,
    *,
    documents: DocumentStore,
    vault: PersonalDataVault,
    clock: Clock,
) -> Response:
    """The respondent's own response, or any response of a hearing the caller manages (audited)."""
    if who is None:
        raise NotAuthenticated("sign in to see a response's receipts and versions")
    viewer = viewer_of(who, vault)
    hearing = visible_hearing(documents, viewer, hearing_id).model
    loaded = ResponseRepository(documents).get(hearing_id, response_id)
    if loaded is None:
        raise NotFound("no such response", field="responseId")
    if loaded.model.respondent.subject == who.subject:
        return loaded.model
    if access.may_manage(viewer, hearing):
        AuditRepository(documents).append(
            AuditEvent.record(
                who, hearing_id, "personal-data.read", clock.now(), target=f"response:{response_id}", what="versions"
            )
        )
        return loaded.model
    raise NotFound("no such response", field="responseId")


def _signature_holds(jws: str, keys: list[PublicJwk]) -> bool:
    """ES256 over the JWS signing input by the key its header names (RFC 7515, RFC 7518 §3.4)."""
    try:
        header_part, payload_part, signature_part = jws.split(".")
        header = json_of(b64url_decode(header_part))
        signature = b64url_decode(signature_part)
    except ValueError:
        return False
    if not isinstance(header, dict) or header.get("alg") != "ES256" or len(signature) != 64:
        return False
    jwk = next((key for key in keys if key.get("kid") == header.get("kid")), None)
    if jwk is None:
        return False
    # cryptography loads when a receipt is verified, not when a function starts.
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    public = ec.EllipticCurvePublicNumbers(
        int.from_bytes(b64url_decode(jwk["x"]), "big"), int.from_bytes(b64url_decode(jwk["y"]), "big"), ec.SECP256R1()
    ).public_key()
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public.verify(der, f"{header_part}.{payload_part}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
