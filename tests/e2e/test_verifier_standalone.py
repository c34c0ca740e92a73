"""The receipt verifier as a respondent would run it: a copy of one file, outside the repository,
with only the standard library and cryptography importable, against files the portal handed out."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.adapters.local_receipt_signer import LocalReceiptSigner
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.domain.receipts import ReceiptPayload, b64url, b64url_decode
from shared.services.receipt_log import (
    consistency_proof,
    issue_receipt,
    publish_tree_head,
    receipt_file,
    receipt_keys,
)
from tests.fakes import FixedClock

ROOT = Path(__file__).resolve().parents[2]
RECEIVED = datetime(2026, 6, 1, 11, 59, 59, 123_456, tzinfo=UTC)
TEXT = "Jeg er imod, at parken bliver til parkering."

# Runs the copied verifier with an import hook that refuses anything but the standard library and
# cryptography (and the modules cryptography loads itself), then runs it as __main__.
GUARD = """
import importlib.abc, runpy, sys
ALLOWED = set(sys.stdlib_module_names) | {"cryptography", "_cffi_backend", "_openssl"}

class OnlyStandardLibrary(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in ALLOWED:
            raise ImportError(f"the standalone verifier must not import {name}")
        return None

sys.meta_path.insert(0, OnlyStandardLibrary())
script, sys.argv = sys.argv[1], sys.argv[1:]
runpy.run_path(script, run_name="__main__")
"""


@dataclass
class Handed:
    """What a respondent has: the receipt file, the key set, the published final tree head."""

    folder: Path
    receipt: Path
    keys: Path
    final: Path
    text: Path


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def handed(tmp_path: Path) -> Handed:
    store, signer, clock = (
        SqliteDocumentStore(tmp_path / "portal.sqlite"),
        LocalReceiptSigner.generate(),
        FixedClock(RECEIVED),
    )
    for n in range(5):
        text = TEXT if n == 3 else f"svar {n}"
        issue_receipt(
            ReceiptPayload.of("h-park", f"r-{n}", 1, RECEIVED + timedelta(seconds=n), text),
            documents=store,
            signer=signer,
        )
    file = receipt_file("h-park", "r-3", 1, documents=store, signer=signer, clock=clock)
    for n in range(5, 12):
        issue_receipt(ReceiptPayload.of("h-park", f"r-{n}", 1, RECEIVED, f"svar {n}"), documents=store, signer=signer)
    clock.advance(days=1)
    final = publish_tree_head("h-park", documents=store, signer=signer, clock=clock)
    proof = consistency_proof("h-park", file.inclusion_proof.tree_size, final.tree_size, documents=store)

    folder = tmp_path / "respondent"
    folder.mkdir()
    shutil.copy(ROOT / "tools" / "verify_receipt.py", folder / "verify_receipt.py")
    (folder / "guard.py").write_text(GUARD, encoding="utf-8")
    return Handed(
        folder=folder,
        receipt=write(folder / "receipt.json", file.to_document()),
        keys=write(folder / "keys.json", receipt_keys(signer=signer)),
        final=write(folder / "sth.json", {"treeHead": final.tree_head, "consistencyProof": proof.to_document()}),
        text=(folder / "svar.txt"),
    )


def verify(handed: Handed, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -I``: no PYTHONPATH, no current folder, no user site; the repository is not importable."""
    command = [sys.executable, "-I", "guard.py", "verify_receipt.py", *map(str, args)]
    return subprocess.run(command, cwd=handed.folder, capture_output=True, text=True, timeout=60, check=False)


def lines(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    found = {}
    for line in result.stdout.splitlines():
        name, _, rest = line.partition(" ")
        found[name.rstrip(":")] = rest.strip()
    return found


def test_a_genuine_receipt_passes_every_check_against_the_final_tree_head(handed: Handed) -> None:
    handed.text.write_text(TEXT, encoding="utf-8")

    result = verify(handed, handed.receipt, "--keys", handed.keys, "--tree-head", handed.final, "--text", handed.text)

    assert result.returncode == 0, result.stdout + result.stderr
    verdicts = lines(result)
    assert verdicts["signature"].startswith("OK") and "signed by key" in verdicts["signature"]
    assert verdicts["inclusion"].startswith("OK") and "entry 3 of 5" in verdicts["inclusion"]
    assert verdicts["content"].startswith("OK")
    assert verdicts["consistency"].startswith("OK") and "of 12 entries extends" in verdicts["consistency"]
    assert verdicts["verdict"] == "all checks passed"


def test_a_tampered_receipt_fails_with_exit_code_one(handed: Handed) -> None:
    document = json.loads(handed.receipt.read_text())
    header, body, signature = document["receipt"].split(".")
    claims = json.loads(b64url_decode(body))
    claims["receivedAt"] = "2026-06-01T11:00:00.000000Z"
    document["receipt"] = ".".join([header, b64url(json.dumps(claims).encode()), signature])
    write(handed.receipt, document)

    result = verify(handed, handed.receipt, "--keys", handed.keys)

    assert result.returncode == 1
    assert lines(result)["signature"].startswith("FAILED")
    assert lines(result)["verdict"].startswith("FAILED")


def test_a_text_edited_after_its_receipt_fails_the_content_check(handed: Handed) -> None:
    handed.text.write_text(TEXT.replace("imod", "for"), encoding="utf-8")

    result = verify(handed, handed.receipt, "--keys", handed.keys, "--text", handed.text)

    assert result.returncode == 1
    assert lines(result)["signature"].startswith("OK")
    assert lines(result)["content"].startswith("FAILED")


def test_keys_of_another_portal_leave_the_kid_unknown(handed: Handed, tmp_path: Path) -> None:
    strangers = write(tmp_path / "other-keys.json", receipt_keys(signer=LocalReceiptSigner.generate()))

    result = verify(handed, handed.receipt, "--keys", strangers)

    assert result.returncode == 1
    assert "not in the portal's key set" in lines(result)["signature"]


def test_a_forked_final_tree_head_fails_the_consistency_check(handed: Handed) -> None:
    published = json.loads(handed.final.read_text())
    proof = published["consistencyProof"]
    proof["path"][0] = "00" * 32
    write(handed.final, published)

    result = verify(handed, handed.receipt, "--keys", handed.keys, "--tree-head", handed.final)

    assert result.returncode == 1
    assert lines(result)["inclusion"].startswith("OK")
    assert lines(result)["consistency"].startswith("FAILED")


def test_without_the_key_set_nothing_is_taken_on_trust(handed: Handed) -> None:
    result = verify(handed, handed.receipt)

    assert result.returncode == 1
    assert "signatures cannot be checked" in result.stdout


def test_it_also_runs_as_a_module_from_the_repository(handed: Handed) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tools.verify_receipt", str(handed.receipt), "--keys", str(handed.keys)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_import_guard_would_catch_a_verifier_that_reached_for_the_portal(handed: Handed) -> None:
    script = handed.folder / "verify_receipt.py"
    source = script.read_text(encoding="utf-8")
    script.write_text(source.replace("import argparse\n", "import argparse\nimport pydantic\n", 1), encoding="utf-8")

    result = verify(handed, handed.receipt, "--keys", handed.keys)

    assert result.returncode != 0
    assert "must not import pydantic" in result.stderr
