"""The intake path's short-lived copies of hearings: fresh enough, and bounded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from shared.domain.errors import HearingNotOpen, InvalidInput
from shared.domain.reference import CURRENT_TERMS_ID, TermsText
from shared.ports.documents import PartitionKey, Stored
from shared.services.hearing_cache import HearingCache
from shared.services.repositories import HearingRepository
from shared.services.responses import ResponseSubmission, submit_response
from shared.services.terms import publish_terms
from tests.fakes import Portal, admin, citizen


class CountingRepository(HearingRepository):
    reads = 0

    def get(self, hearing_id: str):  # type: ignore[no-untyped-def]
        CountingRepository.reads += 1
        return super().get(hearing_id)


@dataclass
class Counted:
    """An active hearing, a cache with a two-second lifetime, and a repository that counts its reads."""

    hearing_id: str
    cache: HearingCache
    repository: CountingRepository
    now: datetime

    @classmethod
    def start(cls) -> Counted:
        portal = Portal.start()
        CountingRepository.reads = 0
        return cls(
            portal.active(),
            HearingCache(ttl=timedelta(seconds=2)),
            CountingRepository(portal.store),
            portal.clock.now(),
        )


def test_a_copy_is_used_within_its_lifetime_and_read_again_after() -> None:
    counted = Counted.start()
    cache, repository, hearing_id, now = counted.cache, counted.repository, counted.hearing_id, counted.now

    first = cache.get(repository, hearing_id, now)
    again = cache.get(repository, hearing_id, now + timedelta(seconds=1))
    assert first is again
    assert CountingRepository.reads == 1

    cache.get(repository, hearing_id, now + timedelta(seconds=2))
    assert CountingRepository.reads == 2
    cache.get(repository, hearing_id, now - timedelta(hours=1))  # a clock set back: not trusted
    assert CountingRepository.reads == 3


def test_requests_that_arrived_just_before_the_copy_was_taken_use_it() -> None:
    counted = Counted.start()
    cache, repository, hearing_id, now = counted.cache, counted.repository, counted.hearing_id, counted.now

    copy = cache.get(repository, hearing_id, now)
    # On deadline day dozens of requests that arrived a few milliseconds earlier are still running.
    earlier = [cache.get(repository, hearing_id, now - timedelta(milliseconds=ms)) for ms in (1, 30, 900)]

    assert all(hearing is copy for hearing in earlier)
    assert CountingRepository.reads == 1


def test_an_unknown_hearing_is_remembered_as_unknown_and_the_cache_stays_small() -> None:
    portal = Portal.start()
    cache = HearingCache(ttl=timedelta(seconds=2), max_entries=3)
    repository = CountingRepository(portal.store)
    CountingRepository.reads = 0
    now = portal.clock.now()

    for n in range(10):
        assert cache.get(repository, f"no-such-{n}", now) is None
    assert cache.get(repository, "no-such-9", now) is None
    assert CountingRepository.reads == 10
    assert cache.get(repository, "no-such-0", now) is None  # evicted long ago, read again
    assert CountingRepository.reads == 11


def test_responses_use_the_copy_and_still_refuse_at_the_exact_deadline() -> None:
    portal = Portal.start()
    hearing_id = portal.active()
    portal.intake_hearings = HearingCache(ttl=timedelta(minutes=10))  # long, to show the deadline still holds
    deadline = portal.stored_hearing(hearing_id).deadline
    assert deadline is not None

    portal.clock.set(deadline - timedelta(microseconds=1))
    _, created = portal.call(submit_response, citizen("mitid:anna"), hearing_id, ResponseSubmission(text="Lige i tide"))
    assert created

    portal.clock.set(deadline)
    with pytest.raises(HearingNotOpen):
        portal.call(submit_response, citizen("mitid:bo"), hearing_id, ResponseSubmission(text="For sent"))


def test_the_intake_reads_the_current_terms_once_per_lifetime_and_takes_new_terms_at_once() -> None:
    portal = Portal.start()
    hearing_id = portal.active()
    portal.intake_hearings = HearingCache(ttl=timedelta(seconds=2))
    portal.call(publish_terms, admin(), TermsText(version=1, text="Vilkår."))
    reads = _counting_terms_reads(portal)

    for n in range(5):
        submission = ResponseSubmission(text=f"Svar {n}", accepted_terms=1)
        portal.call(submit_response, citizen(f"mitid:borger-{n}"), hearing_id, submission)
    assert reads() == 1

    portal.call(publish_terms, admin(), TermsText(version=2, text="Nye vilkår."))
    # The new version is taken at once: a version the copy does not know is checked in the store.
    new = ResponseSubmission(text="Med de nye vilkår", accepted_terms=2)
    _, created = portal.call(submit_response, citizen("mitid:ny"), hearing_id, new)
    assert created
    # The version before is refused once the copy has seen the new one.
    old = ResponseSubmission(text="Med de gamle vilkår", accepted_terms=1)
    with pytest.raises(InvalidInput) as refused:
        portal.call(submit_response, citizen("mitid:gammel"), hearing_id, old)
    assert [problem.field for problem in refused.value.problems] == ["acceptedTerms"]


def _counting_terms_reads(portal: Portal) -> Callable[[], int]:
    reads: list[str] = []
    original = portal.store.read

    def read(container: str, partition: PartitionKey, doc_id: str) -> Stored | None:
        if doc_id == CURRENT_TERMS_ID:
            reads.append(doc_id)
        return original(container, partition, doc_id)

    portal.store.read = read  # type: ignore[method-assign]
    return lambda: len(reads)
