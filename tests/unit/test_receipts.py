"""A signed receipt: its canonical payload, its signature, and what the verifier says about it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from shared.adapters.local_receipt_signer import LocalReceiptSigner
from shared.domain.errors import InvalidInput
from shared.domain.receipts import (
    ReceiptPayload,
    b64url,
    b64url_decode,
    canonical_json,
    compact_jws,
    jws_signing_input,
    receipt_payload_of,
)
from tools import verify_receipt as tool

RECEIVED = datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC)


def payload(**changes: object) -> ReceiptPayload:
    values: dict[str, object] = {
        "hearing_id": "h-1",
        "response_id": "r-1",
        "version": 1,
        "received_at": RECEIVED,
        "text": "Jeg støtter planen.",
        "attachments": [b"%PDF-1.7 plan"],
    }
    values.update(changes)
    return ReceiptPayload.of(**values)  # type: ignore[arg-type]


def signed(signer: LocalReceiptSigner, data: bytes) -> str:
    kid = signer.signing_key()
    signing_input = jws_signing_input(kid, data)
    return compact_jws(signing_input, signer.sign(kid, signing_input))


def keys(*signers: LocalReceiptSigner) -> dict[str, list[dict[str, object]]]:
    return {"keys": [jwk for signer in signers for jwk in signer.public_keys()]}


def test_the_canonical_form_is_sorted_compact_json_with_the_exact_instant() -> None:
    text = canonical_json(payload()).decode()

    assert text == (
        '{"attachmentSha256":["' + payload().attachment_sha256[0] + '"],'
        '"hearingId":"h-1","receivedAt":"2026-03-29T00:59:59.999999Z","responseId":"r-1",'
        '"textSha256":"' + payload().text_sha256 + '","type":"hearing-portal/receipt/v1","version":1}'
    )


def test_the_text_digest_is_plain_sha256_of_the_utf8_text() -> None:
    assert payload().text_sha256 == hashlib.sha256("Jeg støtter planen.".encode()).hexdigest()
    assert payload(attachments=[]).attachment_sha256 == []


def test_a_number_is_signed_once_numbering_gives_one() -> None:
    assert json.loads(canonical_json(payload(number=17)))["number"] == 17
    assert "number" not in json.loads(canonical_json(payload()))


def test_the_payload_refuses_versions_below_one() -> None:
    with pytest.raises(ValueError):
        payload(version=0)


def test_a_receipt_verifies_and_names_its_key() -> None:
    signer = LocalReceiptSigner.generate()
    receipt = signed(signer, canonical_json(payload()))

    statement = tool.verify_statement(receipt, keys(signer), tool.RECEIPT_TYPE)

    assert statement.kid == signer.signing_key()
    assert statement.payload == canonical_json(payload())
    assert receipt_payload_of(receipt) == payload()


def test_a_tampered_receipt_is_rejected() -> None:
    signer = LocalReceiptSigner.generate()
    header, body, signature = signed(signer, canonical_json(payload())).split(".")
    claims = json.loads(b64url_decode(body))
    claims["receivedAt"] = "2026-03-29T01:00:00.000000Z"  # a late response made to look on time
    forged = ".".join([header, b64url(json.dumps(claims).encode()), signature])

    with pytest.raises(tool.Rejected, match="altered or signed by another key"):
        tool.verify_statement(forged, keys(signer), tool.RECEIPT_TYPE)


def test_a_receipt_signed_by_another_key_is_rejected() -> None:
    portal, other = LocalReceiptSigner.generate(), LocalReceiptSigner.generate()
    header, body, _ = signed(portal, canonical_json(payload())).split(".")
    _, _, foreign = signed(other, canonical_json(payload())).split(".")

    with pytest.raises(tool.Rejected, match="altered or signed by another key"):
        tool.verify_statement(f"{header}.{body}.{foreign}", keys(portal), tool.RECEIPT_TYPE)


def test_a_receipt_with_an_unknown_kid_is_rejected() -> None:
    portal, other = LocalReceiptSigner.generate(), LocalReceiptSigner.generate()

    with pytest.raises(tool.Rejected, match="not in the portal's key set"):
        tool.verify_statement(signed(other, canonical_json(payload())), keys(portal), tool.RECEIPT_TYPE)


def test_an_unsigned_or_other_algorithm_token_is_rejected() -> None:
    signer = LocalReceiptSigner.generate()
    header = b64url(json.dumps({"alg": "none", "kid": signer.signing_key()}).encode())
    body = b64url(canonical_json(payload()))

    with pytest.raises(tool.Rejected, match="ES256 only"):
        tool.verify_statement(f"{header}.{body}.", keys(signer), tool.RECEIPT_TYPE)


def test_a_tree_head_is_not_accepted_as_a_receipt() -> None:
    signer = LocalReceiptSigner.generate()
    statement = json.dumps({"type": tool.TREE_HEAD_TYPE, "hearingId": "h-1"}).encode()

    with pytest.raises(tool.Rejected, match="not a 'hearing-portal/receipt/v1'"):
        tool.verify_statement(signed(signer, statement), keys(signer), tool.RECEIPT_TYPE)


def test_after_a_rotation_the_new_key_signs_and_old_receipts_still_verify() -> None:
    signer = LocalReceiptSigner.generate()
    old_kid = signer.signing_key()
    before = signed(signer, canonical_json(payload()))

    new_kid = signer.rotate()
    after = signed(signer, canonical_json(payload(version=2)))

    assert new_kid != old_kid
    assert [jwk["kid"] for jwk in signer.public_keys()] == [new_kid, old_kid]
    assert tool.verify_statement(before, keys(signer), tool.RECEIPT_TYPE).kid == old_kid
    assert tool.verify_statement(after, keys(signer), tool.RECEIPT_TYPE).kid == new_kid


def test_a_published_key_has_only_public_members_and_its_thumbprint_as_kid() -> None:
    (jwk,) = LocalReceiptSigner.generate().public_keys()

    assert set(jwk) == {"kty", "crv", "x", "y", "kid", "alg", "use"}
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("EC", "P-256", "ES256", "sig")
    assert len(b64url_decode(str(jwk["kid"]))) == 32


def test_text_and_attachments_are_checked_against_their_digests() -> None:
    signer = LocalReceiptSigner.generate()
    receipt = signed(signer, canonical_json(payload()))

    assert tool.verify_content(receipt, "Jeg støtter planen.".encode(), [b"%PDF-1.7 plan"]).ok
    edited = tool.verify_content(receipt, "Jeg støtter ikke planen.".encode())
    assert not edited.ok and "not the text received" in edited.detail
    assert not tool.verify_content(receipt, None, [b"%PDF-1.7 other plan"]).ok


def test_a_receipt_that_is_not_a_jws_names_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        receipt_payload_of("not-a-receipt")

    assert caught.value.problems[0].field == "receipt"
