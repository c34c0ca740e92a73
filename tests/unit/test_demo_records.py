"""The concluded demo hearing renders to the same records whenever it is seeded."""

from __future__ import annotations

from datetime import UTC, datetime

from local_host.demo_data import seed
from shared.services import record_documents as record
from tests.fakes import Portal


def records_of_demo(now: datetime) -> list[bytes]:
    portal = Portal.start(now)
    seed(portal.dependencies())
    hearing = portal.stored_hearing("demo-concluded")
    return [
        record.hearing_text_document(hearing, pdf=portal.pdf).content,
        record.conclusion_document(hearing, pdf=portal.pdf).content,
        record.memo_document(hearing, [], pdf=portal.pdf).content,
    ]


def test_the_concluded_demo_hearing_renders_the_same_bytes_twice_and_on_another_day() -> None:
    first = records_of_demo(datetime(2026, 12, 6, 21, 51, 34, tzinfo=UTC))

    assert records_of_demo(datetime(2026, 12, 6, 21, 51, 34, tzinfo=UTC)) == first
    assert records_of_demo(datetime(2027, 3, 1, 8, 0, 1, tzinfo=UTC)) == first
