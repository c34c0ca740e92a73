"""Check a hearing portal receipt with nothing but the portal's public keys and its published tree heads.

    python -m tools.verify_receipt receipt.json --keys keys.json [--tree-head sth.json]
                                   [--text response.txt] [--attachment file ...]

``receipt.json`` is the receipt file the portal hands out: the signed receipt (a compact JWS, ES256),
its inclusion proof and the signed tree head the proof is against. ``keys.json`` is the JWKS the portal
publishes (``GET /api/receipts/keys``). ``sth.json`` is a published tree head (for instance the final
one of a closed hearing), with a consistency proof from the receipt's tree head when it is larger.

Each check prints its own verdict; the exit code is 0 when every check made passed, 1 otherwise.

This file is meant to be copied and read on its own: it uses only the standard library and
``cryptography``, and it shares no code with the portal, so it is a second, independent reading of
RFC 7515 (JWS), RFC 7638 (key ids) and RFC 9162 §2.1 (Merkle tree hashes and proofs).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

RECEIPT_TYPE = "hearing-portal/receipt/v1"
TREE_HEAD_TYPE = "hearing-portal/tree-head/v1"


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str
    key_id: str | None = None


@dataclass(frozen=True)
class Verdict:
    signature: Check
    inclusion: Check

    @property
    def ok(self) -> bool:
        return self.signature.ok and self.inclusion.ok


class Rejected(Exception):
    """Why a statement or a proof does not hold, in words for the person checking."""


@dataclass(frozen=True)
class Statement:
    kid: str
    payload: bytes  # exactly the signed bytes; for a receipt also its leaf in the log
    claims: dict[str, Any]


# -- the checks -----------------------------------------------------------------------------------


def verify_receipt(receipt: str, proof: Mapping[str, Any], tree_head: str, keys: Mapping[str, Any]) -> Verdict:
    """Is the receipt signed by the portal (and by which key); is it in the log the tree head signs."""
    try:
        statement = verify_statement(receipt, keys, RECEIPT_TYPE)
        signature = Check(True, f"receipt signed by key {statement.kid}", statement.kid)
    except Rejected as reason:
        return Verdict(Check(False, str(reason)), Check(False, "not checked: the receipt itself is not genuine"))
    try:
        inclusion = _inclusion(statement, proof, tree_head, keys)
    except Rejected as reason:
        inclusion = Check(False, str(reason))
    except (KeyError, TypeError, ValueError, AttributeError):
        inclusion = Check(False, "the inclusion proof or the tree head is not complete")
    return Verdict(signature, inclusion)


def verify_consistency(
    earlier_head: str, later_head: str, proof: Mapping[str, Any] | None, keys: Mapping[str, Any]
) -> Check:
    """Does the later tree head extend the earlier one, so neither log was rewritten nor forked."""
    try:
        earlier = verify_statement(earlier_head, keys, TREE_HEAD_TYPE)
        later = verify_statement(later_head, keys, TREE_HEAD_TYPE)
    except Rejected as reason:
        return Check(False, f"tree head {reason}")
    try:
        return _consistency(earlier, later, proof)
    except Rejected as reason:
        return Check(False, str(reason))
    except (KeyError, TypeError, ValueError):
        return Check(False, "the tree heads or the consistency proof are not complete")


def _consistency(earlier: Statement, later: Statement, proof: Mapping[str, Any] | None) -> Check:
    if earlier.claims.get("hearingId") != later.claims.get("hearingId"):
        return Check(False, "the two tree heads belong to different hearings")
    first, second = sorted((earlier, later), key=lambda head: int(head.claims["treeSize"]))
    m, n = int(first.claims["treeSize"]), int(second.claims["treeSize"])
    first_root, second_root = _hex(first.claims["rootHash"]), _hex(second.claims["rootHash"])
    if m == n:
        if first_root == second_root:
            return Check(True, f"both tree heads sign the same log of {n} entries")
        return Check(False, f"two different logs of {n} entries are signed: the log has forked")
    if m == 0:
        return Check(True, f"the tree head of {n} entries extends the empty log")
    if proof is None:
        return Check(False, f"no consistency proof from {m} to {n} entries was given")
    if (proof.get("firstSize"), proof.get("secondSize")) != (m, n):
        return Check(False, f"the consistency proof is for other sizes than {m} and {n}")
    path = [_hex(node) for node in proof.get("path", [])]
    if consistency_holds(m, n, first_root, second_root, path):
        return Check(True, f"the tree head of {n} entries extends the tree head of {m} entries")
    return Check(False, f"the log of {n} entries does not extend the log of {m} entries: the log has forked")


def verify_content(receipt: str, text: bytes | None, attachments: Sequence[bytes] = ()) -> Check:
    """Does this text (and these attachments) have the digests the receipt signs."""
    claims = json.loads(_unb64(receipt.split(".")[1]))
    if text is not None and hashlib.sha256(text).hexdigest() != claims.get("textSha256"):
        return Check(False, "the text's SHA-256 differs from the one in the receipt: it is not the text received")
    signed = claims.get("attachmentSha256", [])
    if attachments and [hashlib.sha256(item).hexdigest() for item in attachments] != signed:
        return Check(False, f"the attachments' SHA-256 differ from the {len(signed)} in the receipt")
    return Check(True, "the content has the SHA-256 digests the receipt signs")


def verify_statement(jws: str, keys: Mapping[str, Any], expected_type: str) -> Statement:
    """A compact JWS signed with ES256 by a key of the set, carrying a statement of the expected type."""
    parts = jws.split(".") if isinstance(jws, str) else []
    if len(parts) != 3:
        raise Rejected("is not a compact JWS")
    try:
        header = json.loads(_unb64(parts[0]))
        payload = _unb64(parts[1])
        signature = _unb64(parts[2])
        claims = json.loads(payload)
    except (ValueError, binascii.Error):
        raise Rejected("is not readable: its parts are not base64url JSON") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise Rejected("is not readable: header and payload must be JSON objects")
    if header.get("alg") != "ES256":  # pinned: never the algorithm a token asks for
        raise Rejected(f"uses algorithm {header.get('alg')!r}; receipts are signed with ES256 only")
    kid = header.get("kid")
    jwk = next((key for key in keys.get("keys", []) if isinstance(key, dict) and key.get("kid") == kid), None)
    if jwk is None:
        raise Rejected(f"is signed with key {kid!r}, which is not in the portal's key set")
    if len(signature) != 64:
        raise Rejected("has a signature of the wrong length for ES256")
    try:
        public_key = _public_key(jwk)
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        public_key.verify(der, f"{parts[0]}.{parts[1]}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Rejected(f"has a signature key {kid} did not make: it was altered or signed by another key") from None
    except (ValueError, KeyError, binascii.Error):
        raise Rejected(f"names key {kid}, which is not a valid P-256 key in the set") from None
    if claims.get("type") != expected_type:
        raise Rejected(f"is a {claims.get('type')!r}, not a {expected_type!r}")
    return Statement(kid=str(kid), payload=payload, claims=claims)


def _inclusion(statement: Statement, proof: Mapping[str, Any], tree_head: str, keys: Mapping[str, Any]) -> Check:
    try:
        head = verify_statement(tree_head, keys, TREE_HEAD_TYPE)
    except Rejected as reason:
        raise Rejected(f"tree head {reason}") from None
    hearing = statement.claims.get("hearingId")
    if head.claims.get("hearingId") != hearing:
        raise Rejected("the tree head is of another hearing's log")
    size, index = int(head.claims["treeSize"]), proof.get("logIndex")
    if proof.get("treeSize") != size or not isinstance(index, int):
        raise Rejected(f"the inclusion proof is for another tree size than the tree head's {size}")
    path = [_hex(node) for node in proof.get("path", [])]
    if not inclusion_holds(leaf_hash(statement.payload), index, size, path, _hex(head.claims["rootHash"])):
        raise Rejected(f"the inclusion proof does not lead from the receipt to the tree head of {size} entries")
    return Check(
        True,
        f"entry {index} of {size} in the log of hearing {hearing}; tree head of {head.claims['timestamp']}"
        f" signed by key {head.kid}",
        head.kid,
    )


# -- RFC 9162 §2.1 --------------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def inclusion_holds(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    """§2.1.3.2, step by step."""
    if index >= size or index < 0:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = _node(p, r)
            while fn % 2 == 0 and fn != 0:
                fn //= 2
                sn //= 2
        else:
            r = _node(r, p)
        fn //= 2
        sn //= 2
    return sn == 0 and r == root


def consistency_holds(first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]) -> bool:
    """§2.1.4.2, step by step, for 0 < first < second."""
    if not 0 < first < second or not path:
        return False
    hashes_ = list(path)
    if first & (first - 1) == 0:
        hashes_ = [first_root, *hashes_]
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn //= 2
        sn //= 2
    fr = sr = hashes_[0]
    for c in hashes_[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn //= 2
                sn //= 2
        else:
            sr = _node(sr, c)
        fn //= 2
        sn //= 2
    return fr == first_root and sr == second_root and sn == 0


# -- helpers --------------------------------------------------------------------------------------


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hex(value: Any) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError):
        raise Rejected(f"{value!r} is not a hex SHA-256 hash") from None
    if len(raw) != 32:
        raise Rejected(f"{value!r} is not a SHA-256 hash")
    return raw


def _public_key(jwk: Mapping[str, Any]) -> ec.EllipticCurvePublicKey:
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ValueError("not a P-256 key")
    x, y = (int.from_bytes(_unb64(jwk[name]), "big") for name in ("x", "y"))
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


# -- command line ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="verify_receipt", description=__doc__.split("\n\n")[0])
    parser.add_argument("receipt", type=Path, help="the receipt file (receipt, inclusionProof, treeHead)")
    parser.add_argument("--keys", type=Path, help="the portal's public key set (JWKS)")
    parser.add_argument("--tree-head", type=Path, help="a published tree head, with a consistency proof if larger")
    parser.add_argument("--text", type=Path, help="the response text as submitted (UTF-8)")
    parser.add_argument("--attachment", type=Path, action="append", default=[], help="an attachment, in order")
    args = parser.parse_args(argv)

    checks: list[tuple[str, Check]] = []
    try:
        receipt_file = _read_json(args.receipt)
        keys = _read_json(args.keys) if args.keys else {"keys": []}
        receipt, tree_head = str(receipt_file["receipt"]), str(receipt_file["treeHead"])
        proof = receipt_file["inclusionProof"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"cannot read the input: {error}")
        return 1
    if not args.keys:
        print("no public key set given (--keys keys.json): signatures cannot be checked")
    verdict = verify_receipt(receipt, proof, tree_head, keys)
    checks += [("signature", verdict.signature), ("inclusion", verdict.inclusion)]
    if verdict.signature.ok and (args.text or args.attachment):
        text = args.text.read_bytes() if args.text else None
        checks.append(("content", verify_content(receipt, text, [path.read_bytes() for path in args.attachment])))
    if args.tree_head:
        try:
            published = _read_json(args.tree_head)
            later, consistency = str(published["treeHead"]), published.get("consistencyProof")
        except (OSError, ValueError, KeyError, TypeError) as error:
            print(f"cannot read the published tree head: {error}")
            return 1
        checks.append(("consistency", verify_consistency(tree_head, later, consistency, keys)))
    for name, check in checks:
        print(f"{name:<12} {'OK' if check.ok else 'FAILED':<7} {check.detail}")
    failed = sum(not check.ok for _, check in checks)
    print("verdict: " + ("all checks passed" if not failed else f"FAILED ({failed} of {len(checks)} checks failed)"))
    return 0 if not failed else 1


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    sys.exit(main())
