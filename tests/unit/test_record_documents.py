"""What the journalised documents of a concluded hearing say."""

from __future__ import annotations

from shared.domain.attachments import Attachment
from shared.domain.identity import IdentityKind
from shared.ports.records import RecordStep
from shared.services.record_documents import (
    ORIGINAL_NOTE,
    AttachmentFile,
    CampaignCount,
    NumberedResponse,
    conclusion_document,
    filed_attachments,
    hearing_material_document,
    hearing_text_document,
    memo_document,
    numbered,
    response_documents,
)
from tests.records_support import (
    AssessedResponse,
    RecordingPdfWriter,
    RedactedResponse,
    approved,
    citizen,
    company,
    concluded_hearing,
)


def test_the_hearing_text_carries_its_metadata_in_copenhagen_time() -> None:
    pdf = RecordingPdfWriter()
    document = hearing_text_document(concluded_hearing(), pdf=pdf)

    assert (document.key, document.step, document.content_type) == (
        "hearing-text",
        RecordStep.HEARING_TEXT,
        "application/pdf",
    )
    text = pdf.text("Høringstekst")
    assert "Lokalplan for Ørestad Syd" in text
    assert "Sagsnummer: 01.02.03-P20-7-26" in text
    assert "KLE-nummer: 01.02.03" in text
    assert "Start: 2026-03-02 09:00 (+01:00)" in text  # winter time
    assert "Høringsfrist: 2026-04-06 12:00 (+02:00)" in text  # summer time
    assert "Ansvarlig: Søren Sagsbehandler" in text
    assert "Kommunen foreslår nye boliger" in text
    assert "lokalplan-1.pdf" in text


def test_uploaded_material_is_filed_unchanged() -> None:
    hearing = concluded_hearing()
    original = b"%PDF-1.4 as the caseworker uploaded it \x00\xff"

    document = hearing_material_document(hearing.documents[0], original)

    assert document.content == original
    assert (document.key, document.filename, document.content_type) == (
        "document-doc1",
        "lokalplan-1.pdf",
        "application/pdf",
    )


def test_responses_are_numbered_in_the_order_they_arrived() -> None:
    hearing = concluded_hearing()
    late = approved(hearing, citizen(1), "Sent svar", minutes=50)
    early = approved(hearing, citizen(2), "Tidligt svar", minutes=5)

    assert [(item.number, item.response.text) for item in numbered([late, early])] == [
        (1, "Tidligt svar"),
        (2, "Sent svar"),
    ]


def test_a_response_shows_its_author_as_published_never_a_name_they_kept_private() -> None:
    hearing = concluded_hearing()
    pdf = RecordingPdfWriter()
    private = approved(hearing, citizen(1), "Jeg støtter planen.", minutes=1)

    [document] = response_documents(hearing, NumberedResponse(3, private), pdf=pdf)

    text = pdf.text("Høringssvar nr. 3")
    assert "Afsender: Borger" in text
    assert "Åse Øberg" not in text
    assert "Jeg støtter planen." in text
    assert f"Kvittering (sha256): {private.digest}" in text
    assert (document.key, document.step, document.filename) == (
        f"response-{private.id}",
        RecordStep.RESPONSE,
        "hoeringssvar-00003.pdf",
    )


def test_a_redacted_response_is_filed_as_published_and_as_the_original_marked_as_such() -> None:
    hearing = concluded_hearing()
    pdf = RecordingPdfWriter()
    plain = approved(hearing, citizen(1), "Ring til mig på 12 34 56 78, hilsen Åse", minutes=1)
    response = RedactedResponse(**plain.model_dump(), redacted="Ring til mig på [telefonnummer], hilsen [navn]")

    published, original = response_documents(hearing, NumberedResponse(1, response), pdf=pdf)

    assert "Ring til mig på [telefonnummer], hilsen [navn]" in pdf.text("Høringssvar nr. 1 fra")
    assert "12 34 56 78" not in pdf.text("Høringssvar nr. 1 fra")
    original_text = pdf.text("Høringssvar nr. 1, original")
    assert ORIGINAL_NOTE in original_text
    assert "Ring til mig på 12 34 56 78, hilsen Åse" in original_text
    assert "Afsender: Åse Øberg 1" in original_text
    assert original.key == f"{published.key}-original"
    assert original.parent_key == published.key


def test_attachments_are_filed_as_uploaded_and_linked_to_their_response() -> None:
    hearing = concluded_hearing()
    response = approved(hearing, company(1), "Se vedlagte.", minutes=1)
    attachment = AttachmentFile(id="a1", filename="tegning.png", content_type="image/png", content=b"\x89PNG....")

    published, filed = response_documents(
        hearing, NumberedResponse(2, response, (attachment,)), pdf=RecordingPdfWriter()
    )

    assert filed.content == b"\x89PNG...."
    assert (filed.key, filed.parent_key, filed.filename) == (
        f"{published.key}-attachment-a1",
        published.key,
        "tegning.png",
    )


def test_the_memo_lists_every_approved_response_with_summary_assessment_and_campaigns() -> None:
    hearing = concluded_hearing()
    pdf = RecordingPdfWriter()
    named = approved(hearing, citizen(1), "Flere træer.", minutes=1, publish_name=True)
    assessed = AssessedResponse(
        **approved(hearing, company(2), "Trafikken bliver for tung.", minutes=2).model_dump(),
        summary="Bekymret for trafik.",
        assessment="Tages til efterretning; trafikplan udarbejdes.",
    )
    items = numbered([named, assessed])

    document = memo_document(hearing, items, [CampaignCount("Red åen!", 2, (1, 2))], pdf=pdf)

    text = pdf.text("Høringsnotat")
    assert (document.key, document.step) == ("memo", RecordStep.CONCLUSION)
    assert "Antal høringssvar: 2" in text
    assert "Nr. 1: Åse Øberg 1, modtaget 2026-03-02 09:01 (+01:00)" in text
    assert "Nr. 2: Ørsted Byg 2 A/S" in text
    assert "Resumé: Bekymret for trafik." in text
    assert "Vurdering: Tages til efterretning; trafikplan udarbejdes." in text
    assert "2 × denne tekst: høringssvar nr. 1, 2" in text
    assert "Red åen!" in text
    assert assessed.respondent.kind is IdentityKind.COMPANY


def test_the_conclusion_is_its_own_document() -> None:
    pdf = RecordingPdfWriter()
    document = conclusion_document(concluded_hearing(), pdf=pdf)

    assert (document.key, document.step) == ("conclusion", RecordStep.CONCLUSION)
    assert "Planen vedtages med en større park ved åen." in pdf.text("Konklusion")
    assert "Konkluderet: 2026-04-20 11:30 (+02:00)" in pdf.text("Konklusion")


def test_only_accepted_attachments_are_kept_with_the_response() -> None:
    hearing = concluded_hearing()
    response = approved(hearing, citizen(1), "Se bilag.", minutes=1)
    at = response.received_at
    kept, refused, pending = (
        Attachment(id=name, filename=f"{name}.pdf", requested_at=at, upload_expires_at=at) for name in ("a", "b", "c")
    )
    kept.accept("application/pdf", 10, "0" * 64, "uploads/a", [], at)
    refused.reject("not a PDF", at)
    response.attachments = [kept, refused, pending]

    [only] = filed_attachments(response)
    file = AttachmentFile.of(only, b"%PDF-1.7 a")

    assert (file.id, file.filename, file.content_type, file.content) == ("a", "a.pdf", "application/pdf", b"%PDF-1.7 a")
