"""results.jsonl: every response of both models, one JSON object per line.

For analysis outside the tool (pandas, jq). It is written next to report.json as a
local artifact, so responses are as complete as the snapshots hold them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from safety_regression.snapshot.model import CaseResult, Snapshot

# One encoder for every line: ``json.dumps`` with a keyword argument builds a new one per call.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def render_results_jsonl(reference: Snapshot, candidate: Snapshot) -> str:
    """Base lines first, then fine-tuned, each in snapshot order."""
    return "".join(results_jsonl_lines(reference, candidate))


def results_jsonl_lines(reference: Snapshot, candidate: Snapshot) -> Iterator[str]:
    """The lines of ``render_results_jsonl`` one at a time, for writing as they come."""
    for role, snapshot in (("base", reference), ("finetuned", candidate)):
        for result in snapshot.results:
            yield _line(role, snapshot, result) + "\n"


def _line(role: str, snapshot: Snapshot, result: CaseResult) -> str:
    # The enums are StrEnums: JSON writes a member as its value, without the slow
    # ``.value`` lookup (a descriptor call per field and line).
    record = {
        "model": role,
        "model_id": snapshot.model.model,
        "case_id": result.case_id,
        "category": result.category,
        "expect": result.expect,
        "sample": result.sample,
        "outcome": result.outcome,
        "response": result.response,
        "original_chars": result.original_chars,
        "label": result.label,
        "judge": result.judge,
        "error": result.error,
    }
    return _ENCODE(record)
