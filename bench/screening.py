"""Screening quality per kind on the labelled Danish set, and its cost against the CPR and e-mail patterns.

    python -m bench.screening [--rounds 20] [--details]

Quality: precision and recall per kind (a flag counts when it overlaps a labelled span of its kind).
Cost: CPU time to screen the whole set with every finder, as a ratio to the CPR and e-mail patterns
alone (what screening did before names, phones and addresses), both measured in this run.
"""

from __future__ import annotations

import argparse
import time

from shared.domain.screening import FlagKind, screen
from shared.domain.screening.identifiers import find_cpr_numbers, find_email_addresses
from shared.domain.screening.text import readable
from tests.screening_scores import BLACKLIST, labelled_set, score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--details", action="store_true", help="list every miss and false alarm")
    args = parser.parse_args()

    items = labelled_set()
    scores = score(items)
    print(f"labelled set: {len(items)} texts, {sum(s.expected for s in scores.values())} labelled spans")
    print(f"{'kind':<12} {'labelled':>8} {'flagged':>8} {'precision':>9} {'recall':>7} {'exact':>6}")
    for kind in FlagKind:
        entry = scores[kind]
        print(
            f"{kind.value:<12} {entry.expected:>8} {entry.predicted:>8} {entry.precision:>9.3f} {entry.recall:>7.3f}"
            f" {entry.exact:>6}"
        )
        if args.details:
            for miss in entry.misses:
                print(f"    missed       {miss}")
            for alarm in entry.false_alarms:
                print(f"    false alarm  {alarm}")

    texts = [item.text for item in items]
    screen(texts[0])  # the lexicon is read once per process; not part of the cost per text
    baseline, full = 0.0, 0.0
    for _ in range(args.rounds):  # interleaved so both see the same machine
        baseline += _cpu(
            lambda: [(list(find_cpr_numbers(readable(t))), list(find_email_addresses(readable(t)))) for t in texts]
        )
        full += _cpu(lambda: [screen(t, blacklist=BLACKLIST) for t in texts])
    per_text = full / (args.rounds * len(texts)) * 1e6
    print(f"cpu per text: full screening {per_text:.0f} µs; ratio full / CPR+e-mail patterns {full / baseline:.1f}")


def _cpu(work: object) -> float:
    assert callable(work)
    before = time.process_time()
    work()
    return time.process_time() - before


if __name__ == "__main__":
    main()
