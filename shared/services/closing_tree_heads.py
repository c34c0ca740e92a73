"""The tree heads a hearing's receipt log ends with: one when it closes, the final one at its conclusion.

Run by the consumer of hearing-events on ``closed`` and ``concluded``, so it happens however the
close was recorded: by the timer, or (a late timer) by ``schedule``/``conclude`` announcing it.

At the close, screening messages of responses received just before the deadline may still be queued,
and their receipts not yet signed. Waiting for the queue to drain would tie this step to the queue's
state; instead it does the screening consumer's receipt step itself for every response of the hearing
(numbering and signing are both safe to repeat and to run beside the consumer), so the head it
publishes covers every response received before the deadline. A response counts as on time by its
arrival, never by when it was processed.

The head at the close is not the last word: an attachment whose upload started before the deadline
may still be accepted after it (a new receipt for its version), and a later deadline reopens the
hearing. A concluded hearing takes nothing more, so the head published at the conclusion, after the
same catch-up, is marked ``final``; ``tools/verify_receipt.py`` proves any earlier head consistent
with it.
"""

from __future__ import annotations

from shared.domain.hearing import HearingStatus
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore
from shared.ports.signing import ReceiptSigner
from shared.services import numbering, receipt_log
from shared.services.receipt_log import SignedTreeHead
from shared.services.repositories import HearingRepository, ResponseRepository
from shared.services.response_receipts import issue_receipts

_PAST_DEADLINE = (HearingStatus.AWAITING_CONCLUSION, HearingStatus.CONCLUDED)


def publish_closing_tree_head(
    hearing_id: str, *, documents: DocumentStore, signer: ReceiptSigner, clock: Clock
) -> SignedTreeHead | None:
    """Sign every on-time response not yet in the log, then publish the log's head (``final`` once
    concluded). None when the hearing is gone or open again (its deadline moved later). Safe to repeat."""
    loaded = HearingRepository(documents).get(hearing_id)
    if loaded is None:
        return None
    status = loaded.model.status_at(clock.now())
    if status not in _PAST_DEADLINE:
        return None
    # The intake refuses responses after the deadline, so every stored response arrived on time.
    for response in ResponseRepository(documents).each(hearing_id):
        numbering.assign_number(hearing_id, response.id, documents=documents)
        issue_receipts(hearing_id, response.id, documents=documents, signer=signer)
    final = status is HearingStatus.CONCLUDED
    return receipt_log.publish_tree_head(hearing_id, documents=documents, signer=signer, clock=clock, final=final)
