"""One hearing with 100,000 followers: notifications rendered and handed on per second, and peak memory.

    .venv/bin/python bench/fanout.py [--followers 100000] [--baseline-sample 5000]

Figures from one run, through the SQLite document store (in /dev/shm when there is one, so the figures
are the portal's work and not the disk's):

- fan-out: the hearing-events consumer pages the followers (keyset pages of 1,000 in id order),
  keeps one entry per person and hands recipient batches to the queue (recipients per second);
- sending: the notification-batches consumer renders each message once per language, gives each
  recipient their own unsubscribe link, writes the delivery records of up to 100 recipients in one
  transaction, hands each to a mailer that keeps nothing, and records the outcomes in one more
  (notifications per second);
- end to end: both together, the figure issue 9 asks for (at least 5,000 per second);
- baseline: rendering alone, one ``notification_templates.render`` per notification, measured on a
  sample in the same run; the ratios say what the pipeline costs beside it.

Peak memory is the process's maximum resident set size after each phase. After the clock stops, the
run checks what the pipeline promises: every follower told exactly once, a redelivered batch sends
nothing, every delivery record marked sent. It exits 1 when any of that fails.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.adapters.aes_vault import AesGcmVault
from shared.adapters.local_receipt_signer import LocalReceiptSigner
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.domain.access_keys import PUBLIC
from shared.domain.delivery import DeliveryState
from shared.domain.hearing import EventKind, Hearing, HearingStatus
from shared.domain.subscription import Subscription, TargetKind, target_key
from shared.ports.documents import Filter, Query
from shared.ports.mail import Notification
from shared.ports.messages import OutgoingMessage
from shared.services import notification_templates as templates
from shared.services import notifications
from shared.services.repositories import HearingRepository
from shared.settings import Settings

HEARING = "bench-hearing"
NOW = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
MEMORY_FOLDER = Path("/dev/shm")  # noqa: S108 (tempfile makes a private folder inside it)


class ListBus:
    def __init__(self) -> None:
        self.bodies: list[dict[str, object]] = []

    def publish(self, queue: str, message: OutgoingMessage) -> None:
        self.bodies.append(message.body)

    def publish_many(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        self.bodies.extend(message.body for message in messages)

    def check(self) -> None:
        pass


class CountingMailer:
    """Keeps no message, only how many each follower got (a follower's number is in the address)."""

    def __init__(self, followers: int) -> None:
        self.count = 0
        self.per_follower = bytearray(followers)

    def send(self, notification: Notification) -> bool:
        self.count += 1
        n = int(notification.recipient[len("person-") : notification.recipient.index("@")])
        self.per_follower[n] = min(self.per_follower[n] + 1, 255)
        return True


class Clock:
    def now(self) -> datetime:
        return NOW


def follower(target: str, n: int) -> Subscription:
    return Subscription(
        id=f"s{n:06d}",
        target=target,
        target_kind=TargetKind.HEARING,
        target_id=HEARING,
        subscriber=f"mitid:person-{n}",
        channel="email",
        address=f"person-{n}@example.org",
        created_at=NOW,
        viewer_keys=[PUBLIC],
        language="en" if n % 5 == 0 else "da",
    )


def sent_records(store: SqliteDocumentStore) -> int:
    query = Query(partition=(HEARING,), limit=1000, filters=(Filter("state", "=", DeliveryState.SENT.value),))
    count = 0
    while True:
        page = store.query(notifications.DELIVERIES, query)
        count += len(page.items)
        if page.continuation is None:
            return count
        query = replace(query, continuation=page.continuation)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--baseline-sample", type=int, default=5_000)
    parser.add_argument("--folder", default=str(MEMORY_FOLDER) if MEMORY_FOLDER.is_dir() else None)
    args = parser.parse_args()
    settings = Settings(web_base_url="https://www.kommune.example")
    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        store = SqliteDocumentStore(Path(folder) / "documents.sqlite")
        hearing = Hearing(
            id=HEARING,
            template_id="standard",
            title="Lokalplan for Ørestad Syd",
            summary="Planen giver mulighed for boliger og en ny skole.",
            case_number="2026-0001",
            owner="entra:owner",
            owner_name="Owner",
            status=HearingStatus.ACTIVE,
            start=NOW - timedelta(days=1),
            deadline=NOW + timedelta(days=13),
            created_at=NOW,
            updated_at=NOW,
        )
        HearingRepository(store).add(hearing)
        target = target_key(TargetKind.HEARING, HEARING)
        for start in range(0, args.followers, 1000):  # a thousand at a time, so setting up adds no peak
            store.upsert_many(
                "subscriptions",
                (target,),
                [follower(target, n).to_document() for n in range(start, min(start + 1000, args.followers))],
            )
        print(f"{args.followers} followers stored; peak memory {peak_mib():.0f} MiB")

        bus = ListBus()
        started = time.perf_counter()
        handed = notifications.fan_out(
            HEARING,
            f"{HEARING}:changed:1",
            EventKind.CHANGED,
            ["deadline"],
            documents=store,
            bus=bus,
            settings=settings,
            signer=LocalReceiptSigner.generate(),  # a change event signs nothing
            clock=Clock(),
        )
        fan_out_seconds = time.perf_counter() - started
        fan_out_peak = peak_mib()

        mailer = CountingMailer(args.followers)
        vault = AesGcmVault(bytes(range(32)))
        started = time.perf_counter()
        for body in bus.bodies:
            notifications.send_batch(
                body, documents=store, mailer=mailer, vault=vault, clock=Clock(), settings=settings
            )
        send_seconds = time.perf_counter() - started
        send_peak = peak_mib()

        # After the clock stopped: a redelivered batch sends nothing, and every follower has a record marked sent.
        redelivered = notifications.send_batch(
            bus.bodies[0], documents=store, mailer=mailer, vault=vault, clock=Clock(), settings=settings
        )
        recorded = sent_records(store)

        context = templates.ChangedHearing(
            hearing=templates.HearingRef(id=HEARING, title=hearing.title),
            changes=["The deadline has moved."],
            unsubscribe_url="https://hoeringer.kommune.example/api/unsubscribe?token=x",
        )
        started = time.perf_counter()
        for _ in range(args.baseline_sample):
            templates.render(context, language="da", web_base_url="https://www.kommune.example")
        render_rate = args.baseline_sample / (time.perf_counter() - started)

    missed = mailer.per_follower.count(0)
    twice = args.followers - missed - mailer.per_follower.count(1)
    fan_out_rate = handed / fan_out_seconds
    send_rate = mailer.count / send_seconds
    total_rate = mailer.count / (fan_out_seconds + send_seconds)
    print(
        f"fan-out   {fan_out_rate:>10,.0f} recipients/s to the queue  ({len(bus.bodies)} batches)"
        f"  peak {fan_out_peak:.0f} MiB"
    )
    print(f"sending   {send_rate:>10,.0f} notifications/s rendered, recorded, handed on  peak {send_peak:.0f} MiB")
    print(f"both      {total_rate:>10,.0f} notifications/s end to end")
    print(f"baseline  {render_rate:>10,.0f} renders/s (notification_templates.render alone)")
    print(
        f"ratio     sending / rendering alone = {send_rate / render_rate:.2f}; end to end / rendering alone = "
        f"{total_rate / render_rate:.2f}"
    )
    print(
        f"checked   {handed:,} handed on, {mailer.count:,} sent, {missed:,} followers missed,"
        f" {twice:,} told twice, {redelivered} sent again on redelivery, {recorded:,} records marked sent"
    )
    if missed or twice or redelivered or handed != args.followers or recorded != args.followers:
        print("FAILED: every follower must be told exactly once", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
