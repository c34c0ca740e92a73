"""PDF port: documents meant to be read in twenty years (PDF/A), described as plain blocks of text.

The services say what a document holds; the writer decides how it looks and makes it conform.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

PROVIDER = "shared.adapters.pdfa:provide"


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Fact:
    """A labelled value on one line, e.g. ``Sagsnummer: 27.00.00-P20-1-24``."""

    label: str
    value: str


@dataclass(frozen=True)
class Note:
    """A remark that stands out, e.g. that this is the original of a redacted text."""

    text: str


Block = Heading | Paragraph | Fact | Note


@dataclass(frozen=True)
class PdfContent:
    title: str
    author: str
    created: datetime  # taken from the model, never the clock, so the same input gives the same bytes
    blocks: Sequence[Block]
    subject: str = ""
    keywords: Sequence[str] = field(default_factory=tuple)
    language: str = "da"


class PdfWriter(Protocol):
    def render(self, content: PdfContent) -> bytes:
        """The document as PDF/A-2b bytes; the same content gives the same bytes."""
        ...

    def render_all(self, contents: Iterable[PdfContent]) -> Iterator[bytes]:
        """Each document's bytes, in the order given. The documents are independent, so a writer may
        render several at once; it holds only a bounded number in memory at a time."""
        ...
