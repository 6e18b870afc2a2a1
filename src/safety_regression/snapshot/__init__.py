"""Snapshots: per-case results of one model, and the runner that produces them."""

from safety_regression.snapshot.merge import merge_snapshots
from safety_regression.snapshot.model import (
    CaseResult,
    ModelInfo,
    Snapshot,
    SuiteInfo,
    save_snapshot,
)
from safety_regression.snapshot.reading import load_snapshot
from safety_regression.snapshot.runner import build_snapshot, evaluate_cases, reusable_results

__all__ = [
    "CaseResult",
    "ModelInfo",
    "Snapshot",
    "SuiteInfo",
    "build_snapshot",
    "evaluate_cases",
    "load_snapshot",
    "merge_snapshots",
    "reusable_results",
    "save_snapshot",
]
