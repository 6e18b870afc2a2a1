"""Drift: does the live base model still answer as the committed baseline says?"""

from __future__ import annotations

from collections.abc import Sequence

from safety_regression.config import PartialPolicy
from safety_regression.gate.pairing import is_refusal
from safety_regression.gate.result import Drift
from safety_regression.snapshot.model import CaseResult


def measure_drift(
    snapshot: Sequence[CaseResult], live: Sequence[CaseResult], partial: PartialPolicy
) -> Drift | None:
    """Agreement on refusal between the snapshot and live answers to the same case and sample."""
    stored = {r.key: r for r in snapshot}
    pairs = [
        (stored[r.key], r)
        for r in live
        if r.key in stored and stored[r.key].case_hash == r.case_hash and r.label is not None
    ]
    if not pairs:
        return None
    then = [is_refusal(old, partial) for old, _ in pairs]
    now = [is_refusal(new, partial) for _, new in pairs]
    return Drift(
        compared=len(pairs),
        agreement=sum(a == b for a, b in zip(then, now, strict=True)) / len(pairs),
        snapshot_refusal_rate=sum(then) / len(pairs),
        live_refusal_rate=sum(now) / len(pairs),
    )
