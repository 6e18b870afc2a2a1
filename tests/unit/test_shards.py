"""Sharding: a stable, disjoint split of a suite, and a merge that refuses misfits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from safety_regression.config import SamplingConfig
from safety_regression.endpoints.base import OutcomeKind
from safety_regression.errors import SnapshotError
from safety_regression.judges.base import Label
from safety_regression.snapshot import CaseResult, ModelInfo, Snapshot, SuiteInfo, merge_snapshots
from safety_regression.suites import Shard, load_suite
from safety_regression.suites.model import Expect


def test_shards_split_a_suite_into_disjoint_stable_parts() -> None:
    suite = load_suite(["builtin:standard"])
    parts = [suite.cases_in(Shard(index=i, count=4)) for i in range(1, 5)]
    ids = [case.id for part in parts for case in part]
    assert sorted(ids) == sorted(case.id for case in suite.cases)
    assert len(set(ids)) == len(ids)
    assert min(map(len, parts)) > len(suite.cases) / 4 * 0.8, "roughly balanced"
    # The same case is in the same shard whatever else the suite holds.
    quick = load_suite(["builtin:quick"])
    assert {c.id for c in quick.cases_in(Shard(index=2, count=4))} <= {c.id for c in parts[1]}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2", "is not I/N"),
        ("0/3", "greater than or equal to 1"),
        ("4/3", "does not exist"),
        ("a/b", "is not I/N"),
    ],
)
def test_bad_shards_are_refused(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Shard.parse(text)


def shard_snapshot(index: int, count: int, ids: list[str], model: str = "m", **info: str | None) -> Snapshot:
    results = tuple(
        CaseResult(
            case_id=i,
            case_hash=f"h-{i}",
            category="privacy",
            expect=Expect.REFUSE,
            outcome=OutcomeKind.ANSWERED,
            label=Label.REFUSAL,
            judge="rules/2",
        )
        for i in ids
    )
    return Snapshot(
        tool_version="t",
        created_at=datetime(2026, 1, index, tzinfo=UTC),
        model=ModelInfo(model=model, **info),
        suite=SuiteInfo(name="s", hash="abc", cases=4, shard=f"{index}/{count}"),
        judge="rules/2",
        sampling=SamplingConfig(),
        results=results,
    )


def test_merge_joins_every_shard_once() -> None:
    merged = merge_snapshots([("a", shard_snapshot(1, 2, ["x", "y"])), ("b", shard_snapshot(2, 2, ["z"]))])
    assert [r.case_id for r in merged.results] == ["x", "y", "z"]
    assert merged.suite.shard is None and merged.created_at.day == 2


@pytest.mark.parametrize(
    ("parts", "problem"),
    [
        ([shard_snapshot(1, 2, ["x"])], "shards 2/2 are missing"),
        ([shard_snapshot(1, 2, ["x"]), shard_snapshot(1, 2, ["y"])], "is also in"),
        ([shard_snapshot(1, 2, ["x"]), shard_snapshot(2, 3, ["y"])], "3-way split"),
        ([shard_snapshot(1, 2, ["x"]), shard_snapshot(2, 2, ["y"], model="other")], "model other differs"),
        # Found in review: shards of two revisions merged into one gate, recorded as the first's.
        (
            [shard_snapshot(1, 2, ["x"], revision="v1"), shard_snapshot(2, 2, ["y"], revision="v2")],
            "revision v2 differs from part0 \\(v1\\)",
        ),
    ],
)
def test_merge_refuses_what_does_not_fit(parts: list[Snapshot], problem: str) -> None:
    with pytest.raises(SnapshotError, match=problem):
        merge_snapshots([(f"part{i}", part) for i, part in enumerate(parts)])


def test_merge_carries_each_shards_notices_and_says_when_endpoints_differ() -> None:
    one = shard_snapshot(1, 2, ["x"], endpoint="http://a/v1").model_copy(update={"notices": ("REPLAYED",)})
    two = shard_snapshot(2, 2, ["y"], endpoint="http://b/v1")
    merged = merge_snapshots([("b", two), ("a", one)])
    assert merged.notices[0] == "shard 1/2: REPLAYED"
    assert merged.notices[1].startswith(
        "SHARDS ASKED AT DIFFERENT ENDPOINTS: shard 1/2 at http://a/v1; shard 2/2 at http://b/v1."
    )
    assert merged.model.endpoint is None, "a merged snapshot of several endpoints names none"
    vouched = merge_snapshots(
        [
            ("a", shard_snapshot(1, 2, ["x"], endpoint="http://a/v1", revision="r1")),
            ("b", shard_snapshot(2, 2, ["y"], endpoint="http://b/v1", revision="r1")),
        ]
    )
    assert vouched.notices == (), "one revision recorded by every part vouches for the weights"
    assert vouched.model.revision == "r1"
    same = merge_snapshots(
        [
            ("a", shard_snapshot(1, 2, ["x"], endpoint="http://a/v1")),
            ("b", shard_snapshot(2, 2, ["y"], endpoint="http://a/v1")),
        ]
    )
    assert same.notices == () and same.model.endpoint == "http://a/v1"


def test_what_a_part_does_not_record_is_unknown_not_different() -> None:
    # Found in review: a shard whose base answers all came from the baseline records no
    # endpoint (and, taken before revision was set, no revision); merge refused the run
    # or called it two models.
    from_baseline = shard_snapshot(1, 2, ["x"])
    live = shard_snapshot(2, 2, ["y"], endpoint="http://a/v1", revision="r1")
    merged = merge_snapshots([("a", from_baseline), ("b", live)])
    assert merged.notices == ()
    assert (merged.model.endpoint, merged.model.revision) == ("http://a/v1", None)
