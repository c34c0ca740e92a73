"""Journalising a hearing with many responses: render every record as PDF/A and file it.

Two parts, each in a fresh interpreter so each has its own peak memory:

- baseline: render one trivial PDF/A document N times (the fixed cost of a PDF);
- hearing: for a concluded hearing with N approved responses (every tenth redacted, so it has an
  original too; every twentieth with an attachment; one campaign of a fifth of them), render the
  hearing text, every response, the memo and the conclusion, and file each into the local archive
  (``BlobRecordsArchive`` over a folder on disk standing in for Blob Storage) as it is rendered.

Prints wall time and peak resident memory of each part and the ratio hearing / baseline.

    .venv/bin/python bench/journalise.py [--responses 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from shared.ports.files import FileExists, FileInfo  # noqa: E402

if TYPE_CHECKING:
    from shared.services.record_documents import Part


class FolderFiles:
    """The part of FileStore the archive uses, on disk: memory stays flat however much is filed,
    and listing a document's folder costs the same for the first document as for the last."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, container: str, name: str) -> Path:
        return self._root / container / name

    def upload_url(self, container: str, name: str, valid_for: timedelta) -> str:
        raise NotImplementedError

    def download_url(self, container: str, name: str, valid_for: timedelta) -> str:
        raise NotImplementedError

    def read(self, container: str, name: str) -> bytes:
        return self._path(container, name).read_bytes()

    def write(
        self,
        container: str,
        name: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        overwrite: bool = False,
    ) -> None:
        path = self._path(container, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("wb" if overwrite else "xb") as out:
                out.write(data)
        except FileExistsError:
            raise FileExists(f"{container}/{name}") from None

    def info(self, container: str, name: str) -> FileInfo | None:
        path = self._path(container, name)
        if not path.is_file():
            return None
        return FileInfo(container, name, path.stat().st_size, "application/pdf", str(path.stat().st_mtime_ns))

    def list(self, container: str, prefix: str = "") -> list[FileInfo]:
        folder = self._path(container, prefix.rsplit("/", 1)[0]) if "/" in prefix else self._path(container, "")
        if not folder.is_dir():
            return []
        names = [str(path.relative_to(self._root / container)) for path in folder.rglob("*") if path.is_file()]
        return [info for name in sorted(names) if name.startswith(prefix) and (info := self.info(container, name))]

    def delete(self, container: str, name: str) -> None:
        self._path(container, name).unlink(missing_ok=True)

    def check(self) -> None:
        self._root.stat()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def baseline(count: int) -> dict[str, float]:
    from datetime import UTC, datetime

    from shared.adapters.pdfa import PdfaWriter
    from shared.ports.pdf import Paragraph, PdfContent

    writer = PdfaWriter()
    content = PdfContent(title="x", author="x", created=datetime(2026, 1, 1, tzinfo=UTC), blocks=[Paragraph("x")])
    writer.render(content)  # fonts registered, as in the hearing part
    started = time.perf_counter()
    for _ in range(count):
        writer.render(content)
    return {"seconds": time.perf_counter() - started, "documents": count, "peak_mb": _peak_mb()}


def hearing(count: int, workers: int) -> dict[str, float]:
    from shared.adapters.blob_archive import BlobRecordsArchive
    from shared.adapters.pdfa import PdfaWriter, PooledPdfaWriter
    from shared.ports.pdf import PdfWriter
    from shared.ports.records import RecordDocument
    from shared.services.record_documents import (
        AttachmentFile,
        CampaignCount,
        NumberedResponse,
        conclusion_document,
        hearing_material_document,
        hearing_text_document,
        memo_document,
        numbered,
        rendered,
        response_parts,
    )
    from tests.records_support import RedactedResponse, approved, citizen, company, concluded_hearing

    subject = concluded_hearing("h-bench", documents=3)
    text = "Jeg er bekymret for trafikken på Ørestads Boulevard og ønsker flere træer ved åen. " * 6
    campaign = "Red Amager Fælled! Vi ønsker ingen byggeri på fælleden, og vi kræver en ny høring."
    responses = []
    for number in range(count):
        who = company(number) if number % 7 == 0 else citizen(number)
        body = campaign if number % 5 == 0 else f"{text} Svar {number}."
        response = approved(subject, who, body, minutes=number % 40_000, publish_name=number % 3 == 0)
        if number % 10 == 1:
            response = RedactedResponse(**response.model_dump(), redacted=body.replace("Ørestads", "[adresse]"))
        responses.append(response)

    writer: PdfWriter = PdfaWriter() if workers == 1 else PooledPdfaWriter(workers)
    folder = tempfile.TemporaryDirectory(prefix="journalise-bench-")
    archive = BlobRecordsArchive(FolderFiles(Path(folder.name)), "records")
    started = time.perf_counter()
    items = numbered(responses)
    filed, filing = 0, 0.0

    def file(document: RecordDocument) -> None:
        nonlocal filed, filing
        before = time.perf_counter()
        archive.file_document(subject.case_number, subject.id, document)
        filing += time.perf_counter() - before
        filed += 1

    file(hearing_text_document(subject, pdf=writer))
    for material in subject.documents:
        file(hearing_material_document(material, b"%PDF-1.7 uploaded material"))

    def parts() -> Iterator[Part]:
        for item in items:
            attachments = (
                (AttachmentFile("a", "kort.png", "image/png", b"\x89PNG" + bytes(2000)),)
                if item.number % 20 == 0
                else ()
            )
            yield from response_parts(subject, NumberedResponse(item.number, item.response, attachments))

    for document in rendered(parts(), pdf=writer):  # as the service renders them
        file(document)
    members = tuple(item.number for item in items if item.response.text == campaign)
    file(memo_document(subject, items, [CampaignCount(campaign, len(members), members)], pdf=writer))
    file(conclusion_document(subject, pdf=writer))
    seconds = time.perf_counter() - started
    folder.cleanup()
    if isinstance(writer, PooledPdfaWriter):
        writer.close()
    return {"seconds": seconds, "filing_seconds": filing, "documents": filed, "peak_mb": _peak_mb()}


def _child(part: str, count: int, workers: int = 1) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--part", part, "--responses", str(count), "--workers", str(workers)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=0, help="PDF worker processes (0: one per core, at most 8)")
    parser.add_argument("--part", choices=["baseline", "hearing"])
    args = parser.parse_args()
    workers = args.workers or min(os.cpu_count() or 1, 8)
    if args.part:
        result = baseline(args.responses) if args.part == "baseline" else hearing(args.responses, workers)
        print(json.dumps(result))
        return
    base = _child("baseline", args.responses)
    single = _child("hearing", args.responses, 1)
    pooled = _child("hearing", args.responses, workers) if workers > 1 else single
    print(f"journalising {args.responses:,} responses")
    print(f"{'':40} {'seconds':>9} {'documents':>10} {'ms/doc':>8} {'peak MB':>8}")
    rows = (
        ("baseline: trivial PDF/A", base),
        ("hearing: render in this process", single),
        (f"hearing: render in {workers} worker processes", pooled),
    )
    for label, result in rows:
        per_doc = 1000 * result["seconds"] / result["documents"]
        row = f"{label:40} {result['seconds']:9.1f} {int(result['documents']):10,} {per_doc:8.2f}"
        print(f"{row} {result['peak_mb']:8.0f}")
    print(f"of which filing into the local archive (workers): {pooled['filing_seconds']:.1f} s")
    print(f"ratio hearing / baseline (time), in this process: {single['seconds'] / base['seconds']:.2f}")
    print(f"ratio workers / in this process (time): {pooled['seconds'] / single['seconds']:.2f}")
    print("targets: under 60 s and 300 MB for 10,000 responses (peak MB: the parent process; each worker ~80 MB)")


if __name__ == "__main__":
    main()
