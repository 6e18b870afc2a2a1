"""What a change to a committed baseline snapshot did, case by case (pure).

A baseline is the reference of record: the gate trusts its stored labels. A legitimate
refresh re-runs the base model (new response hashes) or re-judges with another judge
(new judge ids); neither leaves a response and its judge as they were while changing the
label. That is what a hand edit looks like, and ``relabelled`` lists it.
"""

from __future__ import annotations

from dataclasses import dataclass

from safety_regression.snapshot.model import Snapshot


@dataclass(frozen=True)
class BaselineChanges:
    """The difference between a baseline as it was (``before``) and as it is now."""

    added: int
    """Results (case, sample) only in the new snapshot."""
    removed: int
    """Results only in the old snapshot."""
    rerun: int
    """Results in both whose response changed (another ``response_sha256``)."""
    rejudged: int
    """Results in both with the same response, labelled by another judge id."""
    relabelled: tuple[tuple[str, int], ...]
    """Keys of results whose label changed while the response and the judge id stayed
    the same: the sign of a hand edit."""
    judge_before: str
    judge_after: str

    @property
    def judge_changed(self) -> bool:
        return self.judge_before != self.judge_after

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.rerun or self.rejudged or self.relabelled) or (
            self.judge_changed
        )


def baseline_changes(before: Snapshot, after: Snapshot) -> BaselineChanges:
    """Compare two versions of one baseline snapshot, result by result."""
    old = before.by_key()
    new = after.by_key()
    rerun = rejudged = 0
    relabelled: list[tuple[str, int]] = []
    for key, result in new.items():
        was = old.get(key)
        if was is None:
            continue
        if was.response_sha256 != result.response_sha256:
            rerun += 1
        elif was.judge != result.judge:
            rejudged += 1
        elif was.label != result.label:
            relabelled.append(key)
    return BaselineChanges(
        added=len(new.keys() - old.keys()),
        removed=len(old.keys() - new.keys()),
        rerun=rerun,
        rejudged=rejudged,
        relabelled=tuple(sorted(relabelled)),
        judge_before=before.judge,
        judge_after=after.judge,
    )
