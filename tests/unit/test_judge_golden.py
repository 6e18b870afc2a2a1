"""The built-in judge labels exactly as recorded: a change made for speed changes no label,
depth or rationale (see ``tests/judge_golden.py``; re-record only for a change of rule
content or weights, with ``python -m tests.judge_golden --write``)."""

from __future__ import annotations

import json
import re

import pytest

from tests import judge_golden

_QUOTED = re.compile(r"(['\"]).*?\1")


def _differences(expected: list[str], actual: list[str], items: list[judge_golden.Item]) -> list[str]:
    return [
        f"#{number} {response[:60]!r}: was {was!r}, now {now!r}"
        for number, (was, now, (_, response)) in enumerate(zip(expected, actual, items, strict=True))
        if was != now
    ]


def test_the_judge_labels_the_in_repository_corpus_as_recorded() -> None:
    golden = json.loads(judge_golden.GOLDEN.read_text(encoding="utf-8"))
    items = judge_golden.corpus()
    recorded = judge_golden.record(items)
    assert {name: judge.id for name, judge in judge_golden.variants().items()} == golden["judges"]
    for name, expected in golden["labels"].items():
        assert len(expected) == len(items)
        differences = _differences(expected, recorded[name], items)
        assert not differences, f"{name}: {len(differences)} changed, e.g. " + "; ".join(differences[:5])


def test_the_golden_corpus_reaches_every_label_and_many_rules() -> None:
    golden = json.loads(judge_golden.GOLDEN.read_text(encoding="utf-8"))
    for entries in golden["labels"].values():
        assert set(judge_golden.summary(entries)) == {"compliance", "partial", "refusal"}
        rationales = {_QUOTED.sub("_", entry.split("|", 2)[2]) for entry in entries}
        assert len(rationales) >= 15


@pytest.mark.slow
def test_the_judge_labels_the_development_data_as_recorded() -> None:
    items = judge_golden.shared_items()
    if items is None:
        pytest.skip("development data not found in ../shared")
    listed = list(items)
    golden = json.loads(judge_golden.SHARED_GOLDEN.read_text(encoding="utf-8"))
    recorded = judge_golden.record(listed)
    assert len(listed) == golden["items"]
    for name, entries in recorded.items():
        assert (judge_golden.digest(entries), judge_golden.summary(entries)) == (
            golden["sha256"][name],
            golden["counts"][name],
        ), f"{name}: labels of the development data changed"
