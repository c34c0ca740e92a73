"""MeMo 1.2 messages for Digital Post: built in the schema's order and checked before NgDP sees them."""

from __future__ import annotations

import base64
import uuid
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shared.adapters.digital_post import (
    MEMO_NAMESPACE,
    InvalidMemo,
    MemoComposer,
    MemoFile,
    MemoMessage,
    MemoRecipient,
    MemoSender,
    kombi_request,
    memo_xml,
    message_uuid,
)
from shared.ports.mail import Notification, Undeliverable
from tests.fakes import FixedClock

CPR = "0101904321"
MUNICIPALITY = MemoSender(cvr="64942212", label="Københavns Kommune", system_id="hearing-portal")
NOW = datetime(2026, 12, 12, 11, 0, tzinfo=UTC)
M = {"memo": MEMO_NAMESPACE}


def message(**changes: object) -> MemoMessage:
    values: dict[str, object] = {
        "message_uuid": message_uuid("event-1:anna"),
        "label": "Ny høring: Lokalplan for Ørestad",
        "sender": MUNICIPALITY,
        "recipient": MemoRecipient(CPR, "CPR"),
        "created_at": NOW,
        "files": (MemoFile("besked.html", "text/html", "da", "<p>Høringen er åben.</p>".encode()),),
        "notification": "Ny høring: Lokalplan for Ørestad",
    }
    return MemoMessage(**{**values, **changes})  # type: ignore[arg-type]


def parsed(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 (the test's own output)


def test_a_message_has_header_and_body_in_the_schemas_order() -> None:
    root = parsed(memo_xml(message()))

    assert root.tag == f"{{{MEMO_NAMESPACE}}}Message"
    assert (root.get("memoVersion"), root.get("memoSchVersion")) == ("1.2", "1.2.0")
    header = root.find("memo:MessageHeader", M)
    assert header is not None
    assert [child.tag.split("}")[1] for child in header] == [
        "messageType",
        "messageUUID",
        "label",
        "notification",
        "mandatory",
        "legalNotification",
        "Sender",
        "Recipient",
    ]
    assert header.findtext("memo:messageType", namespaces=M) == "DIGITALPOST"
    assert header.findtext("memo:Sender/memo:senderID", namespaces=M) == "64942212"
    assert header.findtext("memo:Sender/memo:idType", namespaces=M) == "CVR"
    assert header.findtext("memo:Sender/memo:label", namespaces=M) == "Københavns Kommune"
    generating = "memo:Sender/memo:AttentionData/memo:GeneratingSystem/memo:generatingSystemID"
    assert header.findtext(generating, namespaces=M) == "hearing-portal"
    assert header.findtext("memo:Recipient/memo:recipientID", namespaces=M) == CPR
    assert header.findtext("memo:Recipient/memo:idType", namespaces=M) == "CPR"
    assert root.findtext("memo:MessageBody/memo:createdDateTime", namespaces=M) == "2026-12-12T11:00:00Z"
    file = root.find("memo:MessageBody/memo:MainDocument/memo:File", M)
    assert file is not None
    assert [child.tag.split("}")[1] for child in file] == ["encodingFormat", "filename", "language", "content"]
    assert base64.b64decode(file.findtext("memo:content", namespaces=M) or "") == "<p>Høringen er åben.</p>".encode()


def test_the_message_uuid_follows_the_notification_and_is_version_4() -> None:
    first, again, other = message_uuid("n-1"), message_uuid("n-1"), message_uuid("n-2")

    assert first == again != other
    assert first.version == 4 and first.variant == uuid.RFC_4122


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"sender": replace(MUNICIPALITY, cvr="64942213")}, "Sender.senderID must be a CVR number"),
        ({"recipient": MemoRecipient("3213904321", "CPR")}, "Recipient.recipientID must be a CPR number"),
        ({"recipient": MemoRecipient("12345678", "CVR")}, "Recipient.recipientID must be a CVR number"),
        ({"label": "x" * 257}, "label is longer than 256"),
        ({"label": "  "}, "label is required"),
        ({"notification": "x" * 151}, "notification is longer than 150"),
        ({"files": ()}, "MainDocument needs at least one File"),
        ({"files": (MemoFile("a.exe", "application/x-msdownload", "da", b"MZ"),)}, "encodingFormat must be one of"),
        ({"files": (MemoFile("a.html", "text/html", "dan", b"<p/>"),)}, "language must be two lower-case letters"),
        ({"message_uuid": uuid.uuid5(uuid.NAMESPACE_URL, "x")}, "messageUUID must be a version 4 UUID"),
        ({"message_type": "BREV"}, "messageType must be one of"),
    ],
)
def test_a_message_that_breaks_the_rules_is_refused_naming_the_element(
    changes: dict[str, object], problem: str
) -> None:
    with pytest.raises(InvalidMemo) as caught:
        memo_xml(message(**changes))

    assert any(problem in found for found in caught.value.problems)
    assert isinstance(caught.value, Undeliverable)  # trying again will not help
    assert "3213904321" not in str(caught.value) and CPR not in str(caught.value)


def test_a_message_larger_than_the_limit_is_refused() -> None:
    big = message(files=(MemoFile("bilag.pdf", "application/pdf", "da", b"%PDF" + b"0" * 4000),))

    with pytest.raises(InvalidMemo, match="more than the 2000 allowed"):
        memo_xml(big, max_bytes=2000)
    assert memo_xml(big, max_bytes=10_000)


def test_the_kombi_request_carries_the_channel_choice_and_the_message() -> None:
    root = parsed(kombi_request(message()))

    assert root.tag == "kombi_request"
    assert root.findtext("KombiValgKode") == "Digital Post"
    assert root.find("memo:Message/memo:MessageHeader", M) is not None


def digital_post(recipient: str, notification_id: str = "event-1:anna") -> Notification:
    return Notification(
        notification_id=notification_id,
        channel="digital-post",
        recipient=recipient,
        subject="Ny høring:\n Lokalplan for Ørestad",
        text="Høringen er åben.",
        html="<p>Høringen er åben.</p>",
    )


def test_a_notification_becomes_a_message_to_the_unsealed_cpr_number() -> None:
    composer = MemoComposer(MUNICIPALITY, unseal=lambda sealed: {"v1.sealed": CPR}[sealed], clock=FixedClock(NOW))

    built = composer.message(digital_post("cpr-sealed:v1.sealed"))
    company = composer.message(digital_post("cvr:64942212", "event-1:company"))

    assert built.recipient == MemoRecipient(CPR, "CPR")
    assert built.message_uuid == message_uuid("event-1:anna")
    assert built.label == "Ny høring: Lokalplan for Ørestad"
    assert built.files[0].language == "da" and built.files[0].encoding_format == "text/html"
    assert company.recipient == MemoRecipient("64942212", "CVR")
    assert memo_xml(built) and memo_xml(company)
    assert CPR not in repr(built)


@pytest.mark.parametrize("recipient", ["anna@borger.example", "cpr:0101904321", "cvr:", "Anna Jensen"])
def test_a_recipient_that_is_neither_a_sealed_cpr_nor_a_cvr_is_undeliverable(recipient: str) -> None:
    composer = MemoComposer(MUNICIPALITY, unseal=lambda sealed: sealed)

    with pytest.raises(Undeliverable):
        composer.message(digital_post(recipient))
