"""The local outbox writes each notification once, as a message any mail program can open."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.adapters.digital_post import MEMO_NAMESPACE, MemoComposer, MemoSender
from shared.adapters.local_outbox import LocalOutbox
from shared.ports.clock import AdjustableClock
from shared.ports.mail import Notification, Undeliverable

MEMO = {"memo": MEMO_NAMESPACE}


def notification(notification_id: str = "hearing-opened:h1:user-7", **changes: str) -> Notification:
    values = {
        "channel": "email",
        "recipient": "jens@example.dk",
        "subject": "Høringen om Ørestad er åbnet",
        "text": "Du kan nu svare på høringen.",
        "html": "<p>Du kan nu svare på <b>høringen</b>.</p>",
        **changes,
    }
    return Notification(notification_id=notification_id, **values)  # type: ignore[arg-type]


def test_send_writes_a_message_with_text_and_html(tmp_path: Path) -> None:
    clock = AdjustableClock()
    clock.set(datetime(2025, 3, 1, 9, 30, tzinfo=UTC))
    outbox = LocalOutbox(tmp_path / "outbox", clock=clock)

    assert outbox.send(notification()) is True

    [message] = outbox.messages()
    assert message["To"] == "jens@example.dk"
    assert message["Subject"] == "Høringen om Ørestad er åbnet"
    assert message["X-Portal-Channel"] == "email"
    assert message["Message-ID"].endswith("@hearing-portal.invalid>")
    assert message["Date"].datetime.replace(second=0) == datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content().strip() == "Du kan nu svare på høringen."
    assert "<b>høringen</b>" in html.get_content()
    assert [path.name for path in (tmp_path / "outbox").iterdir()] == ["hearing-opened%3Ah1%3Auser-7.eml"]


def test_a_second_send_of_the_same_notification_writes_nothing(tmp_path: Path) -> None:
    outbox = LocalOutbox(tmp_path)
    assert outbox.send(notification()) is True
    before = (tmp_path / "hearing-opened%3Ah1%3Auser-7.eml").read_bytes()

    assert outbox.send(notification(subject="Changed")) is False

    assert len(outbox.messages()) == 1
    assert (tmp_path / "hearing-opened%3Ah1%3Auser-7.eml").read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["hearing-opened%3Ah1%3Auser-7.eml"]


def test_the_message_id_follows_the_notification_id(tmp_path: Path) -> None:
    first, second = LocalOutbox(tmp_path / "a"), LocalOutbox(tmp_path / "b")
    first.send(notification("n-1"))
    second.send(notification("n-1"))
    second.send(notification("n-2"))

    ids = [m["Message-ID"] for m in first.messages() + second.messages()]
    assert ids[0] == ids[1] != ids[2]


def test_messages_come_back_in_name_order(tmp_path: Path) -> None:
    outbox = LocalOutbox(tmp_path)
    for notification_id in ("b", "c", "a"):
        outbox.send(notification(notification_id))
    assert [m["X-Portal-Notification-Id"] for m in outbox.messages()] == ["a", "b", "c"]


def test_digital_post_keeps_its_recipient_out_of_the_address_headers(tmp_path: Path) -> None:
    outbox = LocalOutbox(tmp_path)
    outbox.send(notification("dp-1", channel="digital-post", recipient="person:42"))

    [message] = outbox.messages()
    assert message["X-Portal-Channel"] == "digital-post"
    assert message["X-Portal-Recipient"] == "person:42"
    assert message["To"] is None


def test_an_id_cannot_write_outside_the_outbox(tmp_path: Path) -> None:
    outbox = LocalOutbox(tmp_path / "outbox")
    assert outbox.send(notification("../escape")) is True
    assert [path.name for path in (tmp_path / "outbox").iterdir()] == ["%2E.%2Fescape.eml"]
    assert not (tmp_path / "escape.eml").exists()


def memo_composer() -> MemoComposer:
    sender = MemoSender(cvr="64942212", label="Københavns Kommune")
    return MemoComposer(sender, unseal=lambda sealed: "0101904321")


def test_digital_post_leaves_its_memo_message_beside_the_eml(tmp_path: Path) -> None:
    outbox = LocalOutbox(tmp_path, memo=memo_composer())

    outbox.send(notification("dp-1", channel="digital-post", recipient="cpr-sealed:v1.x"))
    outbox.send(notification("mail-1"))
    again = outbox.send(notification("dp-1", channel="digital-post", recipient="cpr-sealed:v1.x"))

    [memo] = outbox.memo_messages()
    root = ET.fromstring(memo)  # noqa: S314 (the test's own output)
    assert root.findtext("memo:MessageHeader/memo:label", namespaces=MEMO) == "Høringen om Ørestad er åbnet"
    assert root.findtext("memo:MessageHeader/memo:Recipient/memo:idType", namespaces=MEMO) == "CPR"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dp-1.eml", "dp-1.memo.xml", "mail-1.eml"]
    assert again is False


def test_a_digital_post_notification_that_cannot_be_memo_leaves_nothing(tmp_path: Path) -> None:
    outbox = LocalOutbox(tmp_path, memo=memo_composer())

    with pytest.raises(Undeliverable):
        outbox.send(notification("dp-2", channel="digital-post", recipient="Anna Jensen"))

    assert list(tmp_path.iterdir()) == []
