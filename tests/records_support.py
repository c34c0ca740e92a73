"""A concluded hearing and its responses built from the models, for the records tests and bench."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

from shared.domain.hearing import Hearing, HearingDocument, HearingStatus
from shared.domain.identity import Identity, IdentityKind
from shared.domain.kle import Kle
from shared.domain.redaction import Language
from shared.domain.response import Response
from shared.ports.pdf import PdfContent

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Copenhagen (winter time)
DEADLINE = datetime(2026, 4, 6, 10, 0, tzinfo=UTC)  # 12:00 in Copenhagen (summer time)
CONCLUDED = datetime(2026, 4, 20, 9, 30, tzinfo=UTC)


def concluded_hearing(hearing_id: str = "h-oerestad", documents: int = 1) -> Hearing:
    return Hearing(
        id=hearing_id,
        template_id="t1",
        title="Lokalplan for Ørestad Syd",
        summary="Forslag om boliger ved Ørestads åer.",
        body="Kommunen foreslår nye boliger, en skole og grønne områder.\n\nSkriv dit høringssvar senest fristen.",
        case_number="01.02.03-P20-7-26",
        kle=Kle("01.02.03"),
        owner="employee-1",
        owner_name="Søren Sagsbehandler",
        status=HearingStatus.CONCLUDED,
        start=START,
        deadline=DEADLINE,
        documents=[
            HearingDocument(
                id=f"doc{number}",
                filename=f"lokalplan-{number}.pdf",
                content_type="application/pdf",
                size=11,
                sha256="0" * 64,
                blob_name=f"{hearing_id}/doc{number}",
                uploaded_at=START - timedelta(days=1),
            )
            for number in range(1, documents + 1)
        ],
        conclusion="Planen vedtages med en større park ved åen.",
        concluded_at=CONCLUDED,
        created_at=START - timedelta(days=10),
        updated_at=CONCLUDED,
    )


def citizen(number: int, name: str = "Åse Øberg") -> Identity:
    return Identity(subject=f"citizen-{number}", kind=IdentityKind.CITIZEN, name=f"{name} {number}")


def company(number: int) -> Identity:
    return Identity(
        subject=f"company-{number}",
        kind=IdentityKind.COMPANY,
        name="Bo Ansat",
        cvr="10000009",
        company_name=f"Ørsted Byg {number} A/S",
    )


def approved(
    hearing: Hearing, who: Identity, text: str, minutes: int, publish_name: bool = False, publish: bool = True
) -> Response:
    response = Response.receive(hearing.id, who, text, publish_name, START + timedelta(minutes=minutes))
    response.record_screening([], response.received_at)
    response.approve("employee-1", clear_flags=True, publish=publish, now=response.received_at)
    return response


class RedactedResponse(Response):
    """A response as screening with redaction leaves it: the public reads ``public_text()``."""

    redacted: str

    def public_text(self, language: Language = "da") -> str:
        return self.redacted


class AssessedResponse(Response):
    """A response with the caseworker's summary and assessment."""

    summary: str
    assessment: str


class RecordingPdfWriter:
    """PdfWriter that keeps what it was asked to render; the bytes name the document's title."""

    def __init__(self) -> None:
        self.rendered: list[PdfContent] = []

    def render(self, content: PdfContent) -> bytes:
        self.rendered.append(content)
        return f"%PDF {content.title}".encode()

    def render_all(self, contents: Iterable[PdfContent]) -> Iterator[bytes]:
        for content in contents:
            yield self.render(content)

    def text(self, title_start: str) -> str:
        [content] = [item for item in self.rendered if item.title.startswith(title_start)]
        lines = []
        for block in content.blocks:
            label = getattr(block, "label", None)
            value = getattr(block, "value", None)
            lines.append(f"{label}: {value}" if label is not None else str(getattr(block, "text", "")))
        return "\n".join(lines)
