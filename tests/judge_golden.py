"""Golden labels of the built-in judge: what it said before a change that must not change it.

A speed change to the judge (how its patterns are compiled and applied, how features are
hashed) must leave every label, depth and rationale exactly as it was. This module builds
fixed corpora, labels them with the rules alone and with the learned part, and records the
result, so ``tests/unit/test_judge_golden.py`` fails on any difference:

- an in-repository corpus: the phrases of ``tests/fixtures/judge_golden/fragments.json``
  (frozen from the simulator's texts and the rules tests' responses) alone and in seeded
  combinations (joined, as list items, behind persona markers, cut off), read with and
  without a case; its labels are ``golden.json``, one entry a response;
- the development data in ``../shared`` when it is there: a hash of the label sequence
  (``shared.json``), since its texts are not ours to commit.

A change of rule content or of the weights changes labels on purpose; then re-record, with
the judge as changed, and say so in the commit:

    python -m tests.judge_golden --write
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

from safety_regression.judges import Judgement, RulesJudge
from safety_regression.suites.model import Case, Expect

FOLDER = Path(__file__).resolve().parent / "fixtures" / "judge_golden"
FRAGMENTS = FOLDER / "fragments.json"
GOLDEN = FOLDER / "golden.json"
SHARED_GOLDEN = FOLDER / "shared.json"
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

_COMBINATIONS = 1500
_MARKERS = ("[🔒CLASSIC]", "[🔓JAILBREAK]", "DAN:", "Developer Mode output:", "AIM:", "(Normal Output)")
_JOINERS = (" ", "\n", "\n\n", "\n1. ", "\n- ", "\n```\n")

Item = tuple[Case | None, str]


def corpus() -> list[Item]:
    """The in-repository corpus: every fragment alone, then seeded combinations."""
    loaded = json.loads(FRAGMENTS.read_text(encoding="utf-8"))
    responses: list[str] = loaded["responses"]
    cases = [
        Case(id=f"golden.{number}", category="golden", expect=Expect(row["expect"]), prompt=row["prompt"])
        for number, row in enumerate(loaded["prompts"])
    ]
    items: list[Item] = []
    for number, response in enumerate(responses):
        items.append((None, response))
        items.append((cases[number % len(cases)], response))
    rng = random.Random(20261201)
    for _ in range(_COMBINATIONS):
        parts = rng.sample(responses, rng.randint(1, 4))
        text = parts[0]
        for part in parts[1:]:
            if rng.random() < 0.25:
                text += f"\n{rng.choice(_MARKERS)} {part}"
            else:
                text += rng.choice(_JOINERS) + part
        if rng.random() < 0.15:
            text = f"{rng.choice(_MARKERS)} {text}"
        if rng.random() < 0.1:
            text = text[: rng.randint(1, len(text))]
        case = rng.choice(cases) if rng.random() < 0.8 else None
        items.append((case, text))
    return items


def _entry(judgement: Judgement) -> str:
    depth = "-" if judgement.depth is None else str(judgement.depth)
    return f"{judgement.label.value}|{depth}|{judgement.rationale}"


def variants() -> dict[str, RulesJudge]:
    return {"rules": RulesJudge(learned=False), "combined": RulesJudge()}


def record(items: list[Item]) -> dict[str, list[str]]:
    """Each judge's ``label|depth|rationale`` per item."""
    return {
        name: [_entry(judge.label(response, case)) for case, response in items]
        for name, judge in variants().items()
    }


def shared_items() -> Iterator[Item] | None:
    """The development data in ../shared, each response with and without its case; None
    when it is absent."""
    sys.path.insert(0, str(BENCHMARKS))
    from judge import data

    if not data.available():
        return None
    return (
        item
        for example in data.load_all()
        for item in ((example.case, example.response), (None, example.response))
    )


def digest(entries: list[str]) -> str:
    return hashlib.sha256("\n".join(entries).encode("utf-8")).hexdigest()


def summary(entries: list[str]) -> dict[str, int]:
    """How many of each label, for a readable difference when a hash does not match."""
    counts: dict[str, int] = {}
    for entry in entries:
        label = entry.split("|", 1)[0]
        counts[label] = counts.get(label, 0) + 1
    return dict(sorted(counts.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description="Record the judge's golden labels.")
    parser.add_argument("--write", action="store_true", help="write the golden files")
    parser.add_argument("--dump", type=Path, help="also write the shared labels in full to this file")
    args = parser.parse_args()
    recorded = record(corpus())
    judges = {name: judge.id for name, judge in variants().items()}
    golden = {"judges": judges, "labels": recorded}
    print(f"in-repository corpus: {len(recorded['rules'])} items")
    shared = shared_items()
    shared_golden = None
    if shared is not None:
        labels = record(list(shared))
        shared_golden = {
            "judges": judges,
            "items": len(labels["rules"]),
            "sha256": {name: digest(entries) for name, entries in labels.items()},
            "counts": {name: summary(entries) for name, entries in labels.items()},
        }
        print(f"shared data: {shared_golden['items']} items, {shared_golden['sha256']}")
        if args.dump:
            args.dump.write_text(json.dumps(labels, ensure_ascii=False), encoding="utf-8")
    if args.write:
        GOLDEN.write_text(json.dumps(golden, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        if shared_golden is not None:
            SHARED_GOLDEN.write_text(json.dumps(shared_golden, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
