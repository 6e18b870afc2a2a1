"""What a change to a committed baseline snapshot did, case by case (pure).

A baseline is the reference of record: the gate trusts its stored labels. A legitimate
refresh re-runs the base model (new response hashes) or re-judges with another judge
(new judge ids); neither leaves a response and its judge as they were while changing the
label. That is what a hand edit looks like, and ``relabelled`` lists it.
"""

from __future__ import annotations

from dataclasses import dataclass

from safety_regression.snapshot.model import CaseResult, Snapshot

Key = tuple[str, int]
"""A result's (case id, sample)."""


@dataclass(frozen=True)
class BaselineChanges:
    """The difference between a baseline as it was (``before``) and as it is now, by key."""

    added: tuple[Key, ...]
    """Results only in the new snapshot."""
    removed: tuple[Key, ...]
    """Results only in the old snapshot."""
    rerun: tuple[Key, ...]
    """Results in both whose response changed (another ``response_sha256``)."""
    rejudged: tuple[Key, ...]
    """Results in both with the same response, labelled by another judge id."""
    relabelled: tuple[Key, ...]
    """Results whose label changed while the response and the judge id stayed the same:
    the sign of a hand edit."""
    judge_before: str
    judge_after: str

    @property
    def judge_changed(self) -> bool:
        return self.judge_before != self.judge_after

    @property
    def any(self) -> bool:
        changed = self.added or self.removed or self.rerun or self.rejudged or self.relabelled
        return bool(changed) or self.judge_changed

    def labels_to_check(self) -> tuple[Key, ...]:
        """Every result of the new snapshot whose label is not the old one's for the same
        response and judge: the ones a judge could be asked about again."""
        return tuple(sorted({*self.added, *self.rerun, *self.rejudged, *self.relabelled}))


def baseline_changes(before: Snapshot, after: Snapshot) -> BaselineChanges:
    """Compare two versions of one baseline snapshot, result by result."""
    old = before.by_key()
    new = after.by_key()
    rerun: list[Key] = []
    rejudged: list[Key] = []
    relabelled: list[Key] = []
    for key, result in new.items():
        was = old.get(key)
        if was is None:
            continue
        if was.response_sha256 != result.response_sha256:
            rerun.append(key)
        elif was.judge != result.judge:
            rejudged.append(key)
        elif was.label != result.label or _read_as(was) != _read_as(result):
            relabelled.append(key)
    return BaselineChanges(
        added=tuple(sorted(new.keys() - old.keys())),
        removed=tuple(sorted(old.keys() - new.keys())),
        rerun=tuple(sorted(rerun)),
        rejudged=tuple(sorted(rejudged)),
        relabelled=tuple(sorted(relabelled)),
        judge_before=before.judge,
        judge_after=after.judge,
    )


def _read_as(result: CaseResult) -> tuple[object, ...]:
    """What the gate reads of a result besides its label: an outcome, category or expectation
    changed while the response stayed the same is a hand edit as much as a label is."""
    return (result.outcome, result.category, result.expect, result.case_hash)
