"""The citizen's pages' helpers: why a file was refused in the visitor's words, sizes, posted files, follow forms."""

from __future__ import annotations

import azure.functions as func
import pytest

from functions.web_mine import _back, _target
from functions.webui.file_texts import REFUSALS, UNREADABLE, attachment_refusal, file_size, file_type
from functions.webui.pages import Visit
from functions.webui.session import Session
from functions.webui.visits import files_of, form_of
from shared.domain.attachments import AttachmentState, refusal_by_kind, refusal_by_size
from shared.domain.reference import AttachmentLimits
from shared.domain.subscription import TargetKind
from shared.services.response_attachments import AttachmentView

LIMITS = AttachmentLimits(max_bytes=1000)
BOUNDARY = "----portalboundary"


def _visit(language: str) -> Visit:
    return Visit(language, "/", {}, Session())


def _refused(reason: str) -> AttachmentView:
    return AttachmentView(id="a", filename="bilag.pdf", state=AttachmentState.REJECTED, reason=reason)


@pytest.mark.parametrize(
    "reason",
    [
        refusal_by_size(0, LIMITS),
        refusal_by_size(5000, LIMITS),
        refusal_by_kind(None, LIMITS),
        "malware was found (Eicar-Signature)",
        "the response already carries 10 attachments, the most a response to this hearing may carry",
        "the PDF file is encrypted, so its text cannot be checked",
    ],
)
def test_each_refusal_the_checks_give_has_its_own_text_on_the_page(reason: str | None) -> None:
    assert reason is not None
    shown = attachment_refusal(_refused(reason), _visit("en"))
    assert shown.startswith("«bilag.pdf»: ") and not shown.endswith(UNREADABLE)
    assert shown.removeprefix("«bilag.pdf»: ") in [text for _, text in REFUSALS]


def test_a_refusal_is_in_danish_by_default() -> None:
    shown = attachment_refusal(_refused(refusal_by_size(0, LIMITS) or ""), _visit("da"))
    assert shown == "«bilag.pdf»: Filen er tom."


def test_sizes_and_types_are_written_for_people() -> None:
    assert (file_size(12_345, "da"), file_size(1_234_567, "da"), file_size(1_234_567, "en")) == (
        "12 kB",
        "1,2 MB",
        "1.2 MB",
    )
    assert file_size(999_999, "da") == "1 MB"
    assert file_type("application/pdf") == "PDF"


def test_the_files_of_a_multipart_form_arrive_with_their_names_and_an_empty_file_input_sends_none() -> None:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="text"\r\n\r\nHej\r\n'.encode(),
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; filename="a.pdf"\r\n'.encode()
        + b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\x00\xff\r\n",
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; filename=""\r\n'.encode()
        + b"Content-Type: application/octet-stream\r\n\r\n\r\n",
        f"--{BOUNDARY}--\r\n".encode(),
    ]
    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    req = func.HttpRequest("POST", "http://localhost/hoeringer/x/svar", headers=headers, body=b"".join(parts))

    [file] = files_of(req, "attachments")
    assert (file.filename, file.data) == ("a.pdf", b"%PDF-1.4\x00\xff")
    assert form_of(req)["text"] == "Hej"


def test_a_broken_multipart_body_is_an_empty_form() -> None:
    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    req = func.HttpRequest("POST", "http://localhost/x", headers=headers, body=b"not multipart at all")
    assert files_of(req, "attachments") == [] and form_of(req) == {}


@pytest.mark.parametrize(
    "wanted", ["https://elsewhere.example/", "//elsewhere.example/", "/\\elsewhere", "/\t/elsewhere", "/\n/x", None, ""]
)
def test_after_a_follow_the_page_returns_only_to_a_path_on_this_site(wanted: str | None) -> None:
    assert _back(wanted) == "/mine/abonnementer"
    assert _back("/hoeringer/h-1#follow") == "/hoeringer/h-1#follow"


def test_the_follow_forms_name_what_is_followed() -> None:
    assert _target({"area": "city-area:valby"}) == ("area", TargetKind.CITY_AREA, "valby")
    assert _target({"area": ""})[2] == "" and _target({"area": "hearing:x"})[2] == ""  # only areas from that list
    assert _target({"kle": " 02.00 "}) == ("kle", TargetKind.KLE, "02.00")
    assert _target({"kind": "hearing", "targetId": "h-1"}) == ("targetId", TargetKind.HEARING, "h-1")
