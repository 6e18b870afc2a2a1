"""Results share their set of given field names (memory per case, issue 11), invisibly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from safety_regression.config import SamplingConfig
from safety_regression.endpoints.base import OutcomeKind
from safety_regression.errors import SnapshotError
from safety_regression.judges.base import Label
from safety_regression.snapshot import (
    CaseResult,
    ModelInfo,
    Snapshot,
    SuiteInfo,
    load_snapshot,
    save_snapshot,
)
from safety_regression.suites.model import Case, Expect


def _cases(count: int) -> list[Case]:
    return [
        Case(id=f"m{i}", category="privacy", expect=Expect.REFUSE, prompt=f"[p{i}]") for i in range(count)
    ]


def _answered(case: Case) -> CaseResult:
    return CaseResult.for_case(
        case, 0, outcome=OutcomeKind.ANSWERED, label=Label.REFUSAL, judge="rules/x", response="no"
    )


def test_results_given_the_same_fields_hold_one_set_of_names() -> None:
    one, two = (_answered(case) for case in _cases(2))
    failed = CaseResult.for_case(_cases(1)[0], 0, outcome=OutcomeKind.ERROR, error="HTTP 503")
    assert one.model_fields_set is two.model_fields_set
    assert failed.model_fields_set is not one.model_fields_set
    assert "response" in one.model_fields_set and "response" not in failed.model_fields_set


def test_a_copy_with_changes_leaves_the_shared_set_alone() -> None:
    one, two = (_answered(case) for case in _cases(2))
    names = set(two.model_fields_set)
    scored = one.model_copy(update={"toxicity": 0.5})
    assert "toxicity" in scored.model_fields_set
    assert two.model_fields_set == names and "toxicity" not in two.model_fields_set
    assert one.redacted().response is None and one.response == "no"


def test_sharing_changes_nothing_a_snapshot_or_dump_shows(tmp_path: Path) -> None:
    results = tuple(_answered(case) for case in _cases(3))
    snapshot = Snapshot(
        tool_version="t",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        model=ModelInfo(model="m"),
        suite=SuiteInfo(name="s", hash="0123456789abcdef", cases=3),
        judge="rules/x",
        sampling=SamplingConfig(),
        results=results,
    )
    save_snapshot(snapshot, tmp_path / "s.json")
    loaded = load_snapshot(tmp_path / "s.json")
    assert loaded == snapshot
    assert loaded.results[0].model_fields_set is loaded.results[2].model_fields_set
    # What was given is still what ``exclude_unset`` dumps, result by result.
    given = {"outcome", "label", "judge", "response"}
    for result in results:
        dumped = json.loads(result.model_dump_json(exclude_unset=True))
        assert given <= set(dumped) and "error" not in dumped and dumped["case_id"] == result.case_id


def _small_snapshot() -> Snapshot:
    return Snapshot(
        tool_version="t",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        model=ModelInfo(model="m"),
        suite=SuiteInfo(name="s", hash="0123456789abcdef", cases=3),
        judge="rules/x",
        sampling=SamplingConfig(),
        results=tuple(_answered(case) for case in _cases(3)),
    )


def test_an_interrupted_snapshot_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found in review: SIGTERM (taken as KeyboardInterrupt) while a 95 MB baseline was
    # written left baseline.json.partial (1.7-3.2 MB) beside it until the next run.
    import safety_regression.snapshot.model as model

    written = model.snapshot_json

    def interrupted(snapshot: Snapshot) -> Iterator[str]:
        pieces = written(snapshot)
        yield next(pieces)
        yield next(pieces)
        raise KeyboardInterrupt  # the signal arrives halfway through the file

    monkeypatch.setattr(model, "snapshot_json", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_snapshot(_small_snapshot(), tmp_path / "baseline.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_failed_snapshot_write_leaves_no_partial_file(tmp_path: Path) -> None:
    (tmp_path / "baseline.json").mkdir()  # written whole, then the rename onto it fails
    with pytest.raises(SnapshotError, match=r"baseline\.json: cannot write the snapshot"):
        save_snapshot(_small_snapshot(), tmp_path / "baseline.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.json"]
