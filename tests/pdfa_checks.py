"""What a filed PDF must be to be readable in twenty years, checked on the bytes.

pikepdf's PDF/A validator (an allowlist built from the veraPDF rules: it approves only what it
knows conforms) decides conformance; the rest are the properties the archive relies on, each
checked on its own so a failure names what is wrong.
"""

from __future__ import annotations

import io

import pikepdf
import pikepdf.pdfa
import pypdf


def assert_pdfa(data: bytes) -> None:
    report = pikepdf.pdfa.validate_written(io.BytesIO(data), "2b")
    assert report.passed, [str(finding) for finding in report.findings]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert not pdf.is_encrypted
        meta = pdf.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("2", "B")
        [intent] = pdf.Root.OutputIntents
        assert intent.S == pikepdf.Name.GTS_PDFA1
        assert int(intent.DestOutputProfile.N) == 3  # an RGB (sRGB) profile
        assert pikepdf.Name.JavaScript not in pdf.Root.get(pikepdf.Name.Names, pikepdf.Dictionary())
        assert pikepdf.Name.OpenAction not in pdf.Root and pikepdf.Name.AA not in pdf.Root
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                descriptor = font.FontDescriptor
                assert pikepdf.Name.FontFile2 in descriptor, f"{font.BaseFont} is not embedded"


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def title_of(data: bytes) -> str:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return str(pdf.open_metadata().get("dc:title"))
