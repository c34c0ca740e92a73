"""PDF/A-2b documents: laid out with reportlab, declared and finished with pikepdf.

reportlab draws the pages with an embedded TrueType font (Bitstream Vera, shipped inside the
reportlab package, so it is there wherever the app is installed; it covers Danish letters).
pikepdf's PDF/A module then adds what the standard asks of the file: XMP metadata that declares
PDF/A-2b and agrees with the document information, and an sRGB output intent. The result is
deterministic: dates come from the content and the file identifier is derived from the bytes, so
filing a document again finds the same bytes.

A character the font cannot draw would reference the .notdef glyph, which PDF/A forbids; it is
replaced by its base letter where there is one (``č`` -> ``c``) and by ``?`` otherwise.
"""

from __future__ import annotations

import io
import itertools
import multiprocessing
import os
import threading
import unicodedata
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf
import pikepdf.pdfa
import reportlab
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from shared.ports.pdf import Block, Fact, Heading, Note, Paragraph, PdfContent

if TYPE_CHECKING:
    from shared.settings import Settings

FLAVOUR = "2b"
REGULAR, BOLD = "RecordsVera", "RecordsVera-Bold"
_FONT_DIR = Path(reportlab.__file__).parent / "fonts"
_WIDTH, _HEIGHT = A4
_MARGIN = 56.0
_TEXT_WIDTH = _WIDTH - 2 * _MARGIN
_BODY, _LEADING = 10.5, 14.0
_HEADING, _HEADING_LEADING = 14.0, 19.0
_FOOTER = 8.0

_fonts_lock = threading.Lock()
_drawable: frozenset[int] = frozenset()


def _register_fonts() -> frozenset[int]:
    """Register the fonts once per process; returns the code points they can draw."""
    global _drawable
    with _fonts_lock:
        if not _drawable:
            regular = TTFont(REGULAR, str(_FONT_DIR / "Vera.ttf"))
            bold = TTFont(BOLD, str(_FONT_DIR / "VeraBd.ttf"))
            pdfmetrics.registerFont(regular)
            pdfmetrics.registerFont(bold)
            _drawable = frozenset(regular.face.charToGlyph) & frozenset(bold.face.charToGlyph)
        return _drawable


class _Drawable:
    """Replaces what the font cannot draw, remembering each character's answer."""

    def __init__(self, code_points: frozenset[int]) -> None:
        self._code_points = code_points
        self._seen: dict[str, str] = {}
        self._kept: set[str] = set()  # characters drawn as they are

    def __call__(self, text: str) -> str:
        if self._kept.issuperset(text):  # the usual case, checked in C
            return text
        return "".join(self._char(ch) for ch in text)

    def _char(self, ch: str) -> str:
        known = self._seen.get(ch)
        if known is None:
            known = self._seen[ch] = self._substitute(ch)
            if known == ch:
                self._kept.add(ch)
        return known

    def _substitute(self, ch: str) -> str:
        if ch == "\n":
            return ch  # a line break the layout keeps
        if ch == "\t":
            return "    "
        if ord(ch) in self._code_points and unicodedata.category(ch) != "Cc":
            return ch
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base and all(ord(c) in self._code_points and unicodedata.category(c) != "Cc" for c in base):
            return base
        return "?"


class _Pages:
    """Where the next line goes; a full page gets its footer and a new one starts."""

    def __init__(self, canvas: Canvas, footer: str) -> None:
        self.canvas = canvas
        self.footer = footer
        self.page = 1
        self.y = _HEIGHT - _MARGIN

    def need(self, height: float) -> None:
        if self.y - height < _MARGIN + 2 * _FOOTER:
            self.finish_page()
            self.canvas.showPage()
            self.page += 1
            self.y = _HEIGHT - _MARGIN

    def finish_page(self) -> None:
        self.canvas.setFont(REGULAR, _FOOTER)
        self.canvas.drawString(_MARGIN, _MARGIN - _FOOTER, self.footer)
        self.canvas.drawRightString(_WIDTH - _MARGIN, _MARGIN - _FOOTER, f"Side {self.page}")

    def lines(self, lines: list[str], font: str, size: float, leading: float) -> None:
        for line in lines:
            self.need(leading)
            self.y -= leading
            self.canvas.setFont(font, size)
            self.canvas.drawString(_MARGIN, self.y, line)

    def space(self, height: float) -> None:
        self.y -= height


def _wrap(text: str, font: str, size: float, width: float = _TEXT_WIDTH) -> list[str]:
    """Lines that fit ``width``; paragraphs keep their line breaks, over-long words are cut."""
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        wrapped = simpleSplit(paragraph, font, size, width) or [""]
        for line in wrapped:
            while pdfmetrics.stringWidth(line, font, size) > width and len(line) > 1:
                cut = len(line) - 1
                while cut > 1 and pdfmetrics.stringWidth(line[:cut], font, size) > width:
                    cut = max(1, cut * 3 // 4) if cut > 40 else cut - 1
                lines.append(line[:cut])
                line = line[cut:]
            lines.append(line)
    return lines


class PdfaWriter:
    """PdfWriter that writes PDF/A-2b."""

    def __init__(self) -> None:
        self._drawable = _Drawable(_register_fonts())

    def render(self, content: PdfContent) -> bytes:
        clean = self._drawable
        buffer = io.BytesIO()
        canvas = Canvas(
            buffer,
            pagesize=A4,
            invariant=True,
            pageCompression=0,  # qpdf compresses on save, in C++, instead of reportlab in Python
            initialFontName=REGULAR,
            initialFontSize=_BODY,
            lang=content.language,
            enforceColorSpace="rgb",
        )
        canvas.setTitle(clean(content.title))
        canvas.setAuthor(clean(content.author))
        canvas.setSubject(clean(content.subject))
        canvas.setKeywords(", ".join(clean(word) for word in content.keywords))
        canvas.setCreator("Høringsportalen")
        canvas.setProducer("Høringsportalen")
        pages = _Pages(canvas, clean(content.title)[:90])
        for block in content.blocks:
            _draw(pages, block, clean)
        pages.finish_page()
        canvas.showPage()
        canvas.save()
        return _finish(buffer.getvalue(), content.created)

    def render_all(self, contents: Iterable[PdfContent]) -> Iterator[bytes]:
        for content in contents:
            yield self.render(content)


# Documents per task handed to a worker process: enough to make the pickling cheap beside the rendering.
_CHUNK = 8
# Fewer documents than this are rendered in this process: starting workers would cost more.
_POOL_THRESHOLD = 4 * _CHUNK


class PooledPdfaWriter:
    """PdfWriter that renders many documents in worker processes, in order, a bounded number ahead.

    Rendering is CPU-bound pure Python (reportlab) and C++ (qpdf), and the documents are independent,
    so processes are what makes a hearing with thousands of responses take seconds per core instead
    of minutes. The workers are started by ``spawn`` (a fork of a process with running threads can
    inherit a held lock) on the first large batch and kept for the process's lifetime.
    """

    def __init__(self, workers: int) -> None:
        if workers < 2:
            raise ValueError("a pooled writer needs at least two workers")
        self._workers = workers
        self._local = PdfaWriter()
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def render(self, content: PdfContent) -> bytes:
        return self._local.render(content)

    def render_all(self, contents: Iterable[PdfContent]) -> Iterator[bytes]:
        items = iter(contents)
        first = list(itertools.islice(items, _POOL_THRESHOLD))
        if len(first) < _POOL_THRESHOLD:
            yield from self._local.render_all(first)
            return
        chunks = _chunks(itertools.chain(first, items), _CHUNK)
        pending: deque[Future[list[bytes]]] = deque()
        pool = self._started()
        for chunk in itertools.islice(chunks, 2 * self._workers):  # each worker busy, one chunk waiting
            pending.append(pool.submit(_render_chunk, chunk))
        while pending:
            done = pending.popleft().result()
            following = next(chunks, None)
            if following is not None:
                pending.append(pool.submit(_render_chunk, following))
            yield from done

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
                self._pool = None

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self._workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
                )
            return self._pool


def _chunks(items: Iterator[PdfContent], size: int) -> Iterator[list[PdfContent]]:
    while chunk := list(itertools.islice(items, size)):
        yield chunk


_worker_writer: PdfaWriter | None = None


def _start_worker() -> None:
    global _worker_writer
    _worker_writer = PdfaWriter()


def _render_chunk(contents: Sequence[PdfContent]) -> list[bytes]:
    writer = _worker_writer or PdfaWriter()
    return [writer.render(content) for content in contents]


def provide(settings: Settings) -> PdfaWriter | PooledPdfaWriter:
    """In this process on one core, in worker processes when ``PORTAL_PDF_WORKERS`` (or the machine) gives more."""
    workers = settings.pdf_workers or min(os.cpu_count() or 1, 8)
    return PooledPdfaWriter(workers) if workers > 1 else PdfaWriter()


def _draw(pages: _Pages, block: Block, clean: _Drawable) -> None:
    if isinstance(block, Heading):
        pages.space(6)
        pages.need(_HEADING_LEADING * 2)
        pages.lines(_wrap(clean(block.text), BOLD, _HEADING), BOLD, _HEADING, _HEADING_LEADING)
        pages.space(2)
    elif isinstance(block, Fact):
        pages.lines(_wrap(f"{clean(block.label)}: {clean(block.value)}", REGULAR, _BODY), REGULAR, _BODY, _LEADING)
    elif isinstance(block, Note):
        pages.space(4)
        pages.lines(_wrap(clean(block.text), BOLD, _BODY), BOLD, _BODY, _LEADING)
        pages.space(4)
    elif isinstance(block, Paragraph):
        pages.lines(_wrap(clean(block.text), REGULAR, _BODY), REGULAR, _BODY, _LEADING)
        pages.space(_LEADING / 2)


def _finish(drawn: bytes, created: datetime) -> bytes:
    with pikepdf.open(io.BytesIO(drawn)) as pdf:
        for page in pdf.pages:
            # reportlab writes an empty page transition, which PDF/A validators do not accept.
            if pikepdf.Name.Trans in page.obj:
                del page.obj[pikepdf.Name.Trans]
        # Dates as the content says, before prepare copies them into the XMP.
        stamp = pikepdf.String(_pdf_date(created))
        pdf.docinfo[pikepdf.Name.CreationDate] = stamp
        pdf.docinfo[pikepdf.Name.ModDate] = stamp
        pikepdf.pdfa.prepare(pdf, FLAVOUR)
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["xmp:MetadataDate"] = created.isoformat()  # prepare stamps the clock; keep it reproducible
        out = io.BytesIO()
        pdf.save(out, **pikepdf.pdfa.resolve_save_kwargs(FLAVOUR, deterministic_id=True))
        return out.getvalue()


def _pdf_date(value: datetime) -> str:
    offset = value.strftime("%z") or "+0000"
    return value.strftime("D:%Y%m%d%H%M%S") + f"{offset[:3]}'{offset[3:]}'"
