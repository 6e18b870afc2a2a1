"""results.jsonl: every response of both models, one JSON object per line.

For analysis outside the tool (pandas, jq). It is written next to report.json as a
local artifact, so responses are as complete as the snapshots hold them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from safety_regression.snapshot.model import Snapshot

# ``json.dumps(record, ensure_ascii=False)`` of the line's record, written
# out: the same separators, JSON strings from the same C escaper json uses, ``null`` for
# None and ``int.__repr__`` for counts. The enums are StrEnums, which json writes as
# their values. About a third of the time of the encoder, which builds itself on every
# call; a test holds the two equal on awkward text.
_STRING = json.encoder.encode_basestring


def render_results_jsonl(reference: Snapshot, candidate: Snapshot) -> str:
    """Base lines first, then fine-tuned, each in snapshot order."""
    return "".join(results_jsonl_lines(reference, candidate))


def results_jsonl_lines(reference: Snapshot, candidate: Snapshot) -> Iterator[str]:
    """The lines of ``render_results_jsonl`` one at a time, for writing as they come."""
    string = _STRING  # ``null`` for None written out inline: a call per field per line adds up
    for role, snapshot in (("base", reference), ("finetuned", candidate)):
        head = f'{{"model": {string(role)}, "model_id": {string(snapshot.model.model)}, "case_id": '
        for r in snapshot.results:
            chars, response, label, judge, error = r.original_chars, r.response, r.label, r.judge, r.error
            source, digest, correct, depth = r.source_id, r.response_sha256, r.correct, r.depth
            yield (
                f'{head}{string(r.case_id)}, "case_hash": {string(r.case_hash)}, '
                f'"source_id": {"null" if source is None else string(source)}, '
                f'"category": {string(r.category)}, '
                f'"expect": {string(r.expect)}, "sample": {int.__repr__(r.sample)}, '
                f'"outcome": {string(r.outcome)}, '
                f'"response": {"null" if response is None else string(response)}, '
                f'"response_sha256": {"null" if digest is None else string(digest)}, '
                f'"original_chars": {"null" if chars is None else int.__repr__(chars)}, '
                f'"label": {"null" if label is None else string(label)}, '
                f'"correct": {"null" if correct is None else ("true" if correct else "false")}, '
                f'"depth": {"null" if depth is None else int.__repr__(depth)}, '
                f'"judge": {"null" if judge is None else string(judge)}, '
                f'"error": {"null" if error is None else string(error)}}}\n'
            )
