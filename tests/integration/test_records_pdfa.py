"""The PDF/A writer: conforming, reproducible files that keep Danish text readable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.adapters.pdfa import PdfaWriter
from shared.ports.pdf import Fact, Heading, Note, Paragraph, PdfContent
from shared.services.record_documents import (
    conclusion_document,
    hearing_text_document,
    memo_document,
    numbered,
    response_documents,
)
from tests.pdfa_checks import assert_pdfa, text_of, title_of
from tests.records_support import RedactedResponse, approved, citizen, company, concluded_hearing


@pytest.fixture(scope="module")
def writer() -> PdfaWriter:
    return PdfaWriter()


def content(*blocks: Heading | Paragraph | Fact | Note, title: str = "Høring: Lokalplan for Ørestad") -> PdfContent:
    return PdfContent(
        title=title,
        author="Teknik- og Miljøforvaltningen",
        created=datetime(2026, 3, 1, 11, 0, tzinfo=UTC),
        blocks=blocks or (Heading("Lokalplan for Ørestad"), Paragraph("Høringen handler om æbler, øer og åer.")),
        keywords=("høring", "01.02.03"),
    )


def test_a_document_is_pdfa_2b_with_its_title_and_danish_letters(writer: PdfaWriter) -> None:
    data = writer.render(content())

    assert_pdfa(data)
    assert title_of(data) == "Høring: Lokalplan for Ørestad"
    text = text_of(data)
    assert "Lokalplan for Ørestad" in text
    assert "Høringen handler om æbler, øer og åer." in text


def test_the_same_content_gives_the_same_bytes(writer: PdfaWriter) -> None:
    assert writer.render(content()) == writer.render(content())


def test_characters_the_font_cannot_draw_are_replaced_not_left_as_missing_glyphs(writer: PdfaWriter) -> None:
    data = writer.render(content(Paragraph("Tak 😀 fra Łódź ǅ\u0007 og\ttab")))

    assert_pdfa(data)  # a .notdef glyph would fail it
    text = text_of(data)
    assert "Tak ? fra Łódz Dz? og tab" in text  # ź has a base letter; the emoji and the bell do not


def test_a_long_text_runs_over_pages_and_every_line_is_kept(writer: PdfaWriter) -> None:
    paragraphs = [Paragraph(f"Afsnit {number}: " + "ord " * 60) for number in range(1, 121)]
    long_word = "x" * 400
    data = writer.render(content(Heading("Mange afsnit"), *paragraphs, Paragraph(long_word)))

    assert_pdfa(data)
    text = text_of(data)
    assert "Side 2" in text
    assert all(f"Afsnit {number}:" in text for number in range(1, 121))
    assert text.count("x") == 400  # cut over lines, not lost


def test_every_rendered_record_of_a_hearing_is_pdfa_and_reads_in_danish(writer: PdfaWriter) -> None:
    hearing = concluded_hearing()
    plain = approved(hearing, citizen(1), "Jeg bor ved åen og ønsker færre biler.", minutes=1)
    redacted = RedactedResponse(**plain.model_dump(), redacted="Jeg bor ved [adresse] og ønsker færre biler.")
    items = numbered([redacted, approved(hearing, company(2), "Vi støtter planen.", minutes=2)])

    documents = [
        hearing_text_document(hearing, pdf=writer),
        *(document for item in items for document in response_documents(hearing, item, pdf=writer)),
        memo_document(hearing, items, pdf=writer),
        conclusion_document(hearing, pdf=writer),
    ]

    assert [document.key for document in documents] == [
        "hearing-text",
        f"response-{plain.id}",
        f"response-{plain.id}-original",
        f"response-{items[1].response.id}",
        "memo",
        "conclusion",
    ]
    for document in documents:
        assert_pdfa(document.content)
        assert title_of(document.content) == document.title
    assert "Jeg bor ved åen og ønsker færre biler." in text_of(documents[2].content)
    assert "ved [adresse]" in text_of(documents[1].content)
    assert "Nr. 2: Ørsted Byg 2 A/S" in text_of(documents[4].content)
