"""The documents a concluded hearing leaves in its case: rendered from the models, ready to file.

Pure functions: models in, ``RecordDocument``s out, PDF/A through the ``PdfWriter`` port. The same
hearing renders to the same bytes (dates come from the models, never the clock), so filing again
after an interruption finds each document already there. Uploaded material and attachments are
filed as they were uploaded, byte for byte.

Keys, stable per hearing: ``hearing-text``, ``document-{id}``, ``response-{id}``,
``response-{id}-original`` (only where the published text was redacted),
``response-{id}-attachment-{id}``, ``conclusion`` and ``memo``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.domain.attachments import Attachment, AttachmentState
from shared.domain.base import copenhagen_text
from shared.domain.hearing import Hearing, HearingDocument
from shared.domain.identity import IdentityKind
from shared.domain.response import Response, ResponseStatus
from shared.ports.pdf import Block, Fact, Heading, Note, Paragraph, PdfContent, PdfWriter
from shared.ports.records import RecordDocument, RecordStep

PDF = "application/pdf"
ORIGINAL_NOTE = (
    "Original: teksten som den blev modtaget, før oplysninger blev skjult i den offentliggjorte udgave. "
    "Må ikke offentliggøres."
)
_KIND_LABELS = {
    IdentityKind.CITIZEN: "Borger",
    IdentityKind.COMPANY: "Virksomhed",
    IdentityKind.EMPLOYEE: "Medarbejder",
}


@dataclass(frozen=True)
class AttachmentFile:
    """A file that came with a response, as it was uploaded."""

    id: str
    filename: str
    content_type: str
    content: bytes

    @classmethod
    def of(cls, attachment: Attachment, content: bytes) -> AttachmentFile:
        return cls(attachment.id, attachment.filename, attachment.content_type or "application/octet-stream", content)


def filed_attachments(response: Response) -> list[Attachment]:
    """The attachments that are kept with the response: accepted ones (refused and quarantined files
    are not part of the response)."""
    return [attachment for attachment in response.attachments if attachment.state is AttachmentState.ACCEPTED]


@dataclass(frozen=True)
class NumberedResponse:
    number: int
    response: Response
    attachments: Sequence[AttachmentFile] = field(default_factory=tuple)


@dataclass(frozen=True)
class CampaignCount:
    """A campaign as the memo shows it: n × this text, and which responses joined it."""

    text: str
    count: int
    response_numbers: Sequence[int] = field(default_factory=tuple)


def numbered(responses: Iterable[Response]) -> list[NumberedResponse]:
    """Responses numbered 1, 2, ... in the order they were received (ties by id), so the numbers in
    the memo and on each response document agree however the responses were read."""
    ordered = sorted(responses, key=lambda response: (response.received_at, response.id))
    return [NumberedResponse(number, response) for number, response in enumerate(ordered, start=1)]


# -- the hearing ---------------------------------------------------------------------------------


def hearing_text_document(hearing: Hearing, *, pdf: PdfWriter) -> RecordDocument:
    blocks: list[Block] = [Heading(hearing.title), *_hearing_facts(hearing)]
    if hearing.summary:
        blocks += [Heading("Resumé"), Paragraph(hearing.summary)]
    if hearing.body:
        blocks += [Heading("Høringstekst"), Paragraph(hearing.body)]
    if hearing.documents:
        blocks.append(Heading("Høringsmateriale"))
        blocks += [
            Fact(document.filename, f"{document.size} bytes, sha256 {document.sha256}")
            for document in hearing.documents
        ]
    return _pdf_document(
        pdf,
        key="hearing-text",
        title=f"Høringstekst: {hearing.title}",
        filename="hoeringstekst.pdf",
        step=RecordStep.HEARING_TEXT,
        hearing=hearing,
        created=hearing.start or hearing.created_at,
        blocks=blocks,
    )


def hearing_material_document(document: HearingDocument, content: bytes) -> RecordDocument:
    """A document published with the hearing, filed exactly as uploaded."""
    return RecordDocument(
        key=f"document-{document.id}",
        title=f"Høringsmateriale: {document.filename}",
        filename=document.filename,
        content_type=document.content_type,
        content=content,
        step=RecordStep.HEARING_TEXT,
    )


def conclusion_document(hearing: Hearing, *, pdf: PdfWriter) -> RecordDocument:
    blocks: list[Block] = [Heading(f"Konklusion: {hearing.title}"), *_hearing_facts(hearing)]
    if hearing.concluded_at:
        blocks.append(Fact("Konkluderet", _local(hearing.concluded_at)))
    blocks.append(Paragraph(hearing.conclusion or ""))
    return _pdf_document(
        pdf,
        key="conclusion",
        title=f"Konklusion: {hearing.title}",
        filename="konklusion.pdf",
        step=RecordStep.CONCLUSION,
        hearing=hearing,
        created=_concluded(hearing),
        blocks=blocks,
    )


# -- responses -----------------------------------------------------------------------------------


def response_documents(hearing: Hearing, item: NumberedResponse, *, pdf: PdfWriter) -> list[RecordDocument]:
    """The response as published; its original where the published text was redacted; its attachments."""
    return list(rendered(response_parts(hearing, item), pdf=pdf))


def response_parts(hearing: Hearing, item: NumberedResponse) -> list[Part]:
    """``response_documents`` before rendering, so many responses can be rendered together."""
    response, number = item.response, item.number
    key = f"response-{response.id}"
    published = published_text(response)
    label = "offentliggjort" if response.is_public else "godkendt, ikke offentliggjort"
    blocks: list[Block] = [
        Heading(f"Høringssvar nr. {number}"),
        Fact("Høring", hearing.title),
        Fact("Sagsnummer", hearing.case_number),
        Fact("Afsender", response.respondent.public_author()),
        Fact("Modtaget", _local(response.received_at)),
        Fact("Status", label),
        Fact("Kvittering (sha256)", response.digest),
        *_attachment_facts(item.attachments),
        Paragraph(published),
    ]
    documents: list[Part] = [
        _pdf_part(
            key=key,
            title=f"Høringssvar nr. {number} fra {response.respondent.public_author()}",
            filename=f"hoeringssvar-{number:05d}.pdf",
            step=RecordStep.RESPONSE,
            hearing=hearing,
            created=response.received_at,
            blocks=blocks,
        )
    ]
    if published != response.text:
        documents.append(_original_part(hearing, item))
    documents += [
        RecordDocument(
            key=f"{key}-attachment-{attachment.id}",
            title=f"Bilag til høringssvar nr. {number}: {attachment.filename}",
            filename=attachment.filename,
            content_type=attachment.content_type,
            content=attachment.content,
            step=RecordStep.RESPONSE,
            parent_key=key,
        )
        for attachment in item.attachments
    ]
    return documents


def _original_part(hearing: Hearing, item: NumberedResponse) -> PdfPart:
    response, respondent = item.response, item.response.respondent
    identity: list[Block] = [Fact("Afsender", respondent.name), Fact("Type", _KIND_LABELS[respondent.kind])]
    if respondent.company_name:
        identity.append(Fact("Virksomhed", respondent.company_name))
    if respondent.cvr:
        identity.append(Fact("CVR-nummer", respondent.cvr))
    return _pdf_part(
        key=f"response-{response.id}-original",
        title=f"Høringssvar nr. {item.number}, original (ikke offentlig)",
        filename=f"hoeringssvar-{item.number:05d}-original.pdf",
        step=RecordStep.RESPONSE,
        hearing=hearing,
        created=response.received_at,
        blocks=[
            Heading(f"Høringssvar nr. {item.number}: original"),
            Note(ORIGINAL_NOTE),
            Fact("Høring", hearing.title),
            *identity,
            Fact("Modtaget", _local(response.received_at)),
            Fact("Kvittering (sha256)", response.digest),
            Paragraph(response.text),
        ],
        parent_key=f"response-{response.id}",
    )


def published_text(response: Response) -> str:
    """The text as the public reads it: every redacted flag replaced (in Danish, as filed)."""
    return response.public_text("da")


def _optional_text(response: Response, *names: str) -> str | None:
    """A caseworker's field (summary, assessment) where the response model carries it."""
    for name in names:
        value: Any = getattr(response, name, None)
        if isinstance(value, str) and value.strip():
            return value
    return None


# -- the hearing memo (høringsnotat) ------------------------------------------------------------


def memo_document(
    hearing: Hearing,
    responses: Sequence[NumberedResponse],
    campaigns: Sequence[CampaignCount] = (),
    *,
    pdf: PdfWriter,
) -> RecordDocument:
    """Every approved response with its number, author as published, and the caseworker's summary
    and assessment where given; campaign groups with their counts."""
    approved = [item for item in responses if item.response.status is ResponseStatus.APPROVED]
    blocks: list[Block] = [
        Heading(f"Høringsnotat: {hearing.title}"),
        *_hearing_facts(hearing),
        Fact("Antal høringssvar", str(len(approved))),
    ]
    if campaigns:
        blocks.append(Heading("Kampagner"))
        for campaign in campaigns:
            numbers = ", ".join(str(number) for number in campaign.response_numbers)
            blocks.append(Fact(f"{campaign.count} × denne tekst", f"høringssvar nr. {numbers}" if numbers else ""))
            blocks.append(Paragraph(campaign.text))
    blocks.append(Heading("Høringssvar"))
    for item in approved:
        response = item.response
        blocks.append(
            Fact(
                f"Nr. {item.number}", f"{response.respondent.public_author()}, modtaget {_local(response.received_at)}"
            )
        )
        summary = _optional_text(response, "summary", "caseworker_summary")
        assessment = _optional_text(response, "assessment", "caseworker_assessment")
        if summary:
            blocks.append(Paragraph(f"Resumé: {summary}"))
        if assessment:
            blocks.append(Paragraph(f"Vurdering: {assessment}"))
    if hearing.conclusion:
        blocks += [Heading("Konklusion"), Paragraph(hearing.conclusion)]
    return _pdf_document(
        pdf,
        key="memo",
        title=f"Høringsnotat: {hearing.title}",
        filename="hoeringsnotat.pdf",
        step=RecordStep.CONCLUSION,
        hearing=hearing,
        created=_concluded(hearing),
        blocks=blocks,
    )


# -- shared pieces -------------------------------------------------------------------------------


def _hearing_facts(hearing: Hearing) -> list[Block]:
    facts: list[Block] = [Fact("Sagsnummer", hearing.case_number)]
    if hearing.kle:
        facts.append(Fact("KLE-nummer", str(hearing.kle)))
    facts.append(Fact("Start", _local(hearing.start) if hearing.start else "ikke fastsat"))
    facts.append(Fact("Høringsfrist", _local(hearing.deadline) if hearing.deadline else "ikke fastsat"))
    facts.append(Fact("Ansvarlig", hearing.owner_name))
    return facts


def _attachment_facts(attachments: Sequence[AttachmentFile]) -> list[Block]:
    return [Fact("Bilag", f"{attachment.filename} ({len(attachment.content)} bytes)") for attachment in attachments]


def _local(instant: datetime) -> str:
    """Copenhagen wall-clock time with its offset, e.g. 2026-03-01 12:00 (+01:00)."""
    text = copenhagen_text(instant)
    return f"{text[:10]} {text[11:16]} ({text[16:]})"


def _concluded(hearing: Hearing) -> datetime:
    return hearing.concluded_at or hearing.deadline or hearing.created_at


@dataclass(frozen=True)
class PdfPart:
    """A record document still to be rendered: everything but its bytes."""

    key: str
    title: str
    filename: str
    step: RecordStep
    content: PdfContent
    parent_key: str | None = None

    def rendered(self, data: bytes) -> RecordDocument:
        return RecordDocument(
            key=self.key,
            title=self.title,
            filename=self.filename,
            content_type=PDF,
            content=data,
            step=self.step,
            parent_key=self.parent_key,
        )


Part = PdfPart | RecordDocument  # a document to render, or one filed as it was uploaded


def rendered(parts: Iterable[Part], *, pdf: PdfWriter) -> Iterator[RecordDocument]:
    """The documents in the order given, the PDFs rendered together by ``pdf.render_all``.

    ``parts`` is read as the writer asks for more, so only what the writer holds ahead is in memory.
    """
    drawn: deque[Part] = deque()

    def contents() -> Iterator[PdfContent]:
        for part in parts:
            drawn.append(part)
            if isinstance(part, PdfPart):
                yield part.content

    for data in pdf.render_all(contents()):
        part = drawn.popleft()
        while isinstance(part, RecordDocument):
            yield part
            part = drawn.popleft()
        yield part.rendered(data)
    for left in drawn:  # documents filed as uploaded, after the last PDF
        assert isinstance(left, RecordDocument)
        yield left


def _pdf_document(
    pdf: PdfWriter,
    *,
    key: str,
    title: str,
    filename: str,
    step: RecordStep,
    hearing: Hearing,
    created: datetime,
    blocks: list[Block],
    parent_key: str | None = None,
) -> RecordDocument:
    part = _pdf_part(
        key=key,
        title=title,
        filename=filename,
        step=step,
        hearing=hearing,
        created=created,
        blocks=blocks,
        parent_key=parent_key,
    )
    return part.rendered(pdf.render(part.content))


def _pdf_part(
    *,
    key: str,
    title: str,
    filename: str,
    step: RecordStep,
    hearing: Hearing,
    created: datetime,
    blocks: list[Block],
    parent_key: str | None = None,
) -> PdfPart:
    content = PdfContent(
        title=title,
        author=hearing.owner_name,
        created=created,
        blocks=blocks,
        subject=f"Høring {hearing.title}, sag {hearing.case_number}",
        keywords=tuple(word for word in ("høring", hearing.case_number, str(hearing.kle or "")) if word),
    )
    return PdfPart(key=key, title=title, filename=filename, step=step, content=content, parent_key=parent_key)
