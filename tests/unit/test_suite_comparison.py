"""``pipeline.suite_comparison``: how the gated suite differs from the baseline's, counted
with set operations on the case-hash maps (issue 11), checked against a loop over cases."""

from __future__ import annotations

import random

from safety_regression.judges.base import Label
from safety_regression.pipeline import suite_comparison
from tests.unit.test_gate import result, snapshot


def test_added_changed_and_removed_are_the_per_case_counts() -> None:
    rng = random.Random(3)
    baseline = snapshot("b", [result(f"c{i}", "a", Label.REFUSAL) for i in range(200) if rng.random() < 0.8])
    stored = {r.case_id: r.case_hash for r in baseline.results}
    gated = {f"c{i}": stored.get(f"c{i}", "0" * 16) for i in range(50, 260)}
    for case_id in rng.sample(sorted(set(gated) & set(stored)), 30):
        gated[case_id] = "f" * 16
    found = suite_comparison("t", "s", gated, baseline, from_baseline=len(stored), evaluated_live=0)
    assert found.added == sum(1 for c in gated if c not in stored) > 0
    assert found.changed == sum(1 for c, h in gated.items() if c in stored and stored[c] != h) == 30
    assert found.removed == sum(1 for c in stored if c not in gated) > 0
    alone = suite_comparison("t", "s", gated, None, from_baseline=0, evaluated_live=len(gated))
    assert (alone.added, alone.changed, alone.removed) == (0, 0, 0)


def test_a_shard_counts_removed_against_the_whole_suite_and_warns_only_then() -> None:
    """A shard gates a subset: the baseline's cases of the other shards are not removed
    (found in review: a shrunk suite went unmentioned, and counting against the shard's
    cases would have warned about every other shard's)."""
    from safety_regression.pipeline.assembly import removed_warnings

    baseline = snapshot("b", [result(f"c{i}", "a", Label.REFUSAL) for i in range(40)])
    suite_ids = [f"c{i}" for i in range(30)]  # the suite shrank by 10
    shard = {r.case_id: r.case_hash for r in baseline.results[:15]}
    found = suite_comparison(
        "t", "s", shard, baseline, from_baseline=15, evaluated_live=0, suite_ids=suite_ids
    )
    assert found.removed == 10
    [warning] = removed_warnings(found)
    assert "holds 10 cases the suite no longer has" in warning and "ignored" in warning
    whole = {r.case_id: r.case_hash for r in baseline.results}
    unchanged = suite_comparison(
        "t", "s", shard, baseline, from_baseline=15, evaluated_live=0, suite_ids=list(whole)
    )
    assert unchanged.removed == 0 and removed_warnings(unchanged) == []
    one = suite_comparison(
        "t", "s", dict(list(whole.items())[:39]), baseline, from_baseline=39, evaluated_live=0
    )
    assert "holds 1 case the suite no longer has" in removed_warnings(one)[0]
