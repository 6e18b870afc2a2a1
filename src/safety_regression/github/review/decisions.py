"""Reviewers' decisions on flagged cases, and applying them to a snapshot pair. Pure.

A decision is keyed by case id and by the hash of the fine-tuned model's responses to
that case (``responses_hash``): it holds, push after push, for as long as the model
answers the case the same way, and lapses when the answer changes, since the reviewer
judged *that* answer.

Decisions are a transform of the snapshots, applied before ``evaluate_gate``, so the
statistics are recomputed under exactly the rules of any run:

- ``relabel`` replaces the judge's label of the case's answered fine-tuned samples;
- ``accept`` takes the case out of both snapshots: it is not counted at all, neither as
  a regression nor in the rates, and the report shows why.

They are stored in the pull request's report comment as a hidden block of base64
(``encode_block``: version 2, zlib-compressed JSON; version 1, plain JSON, is still read),
so nothing a reviewer types can act as markup there, with the ids of the comments applied.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, ValidationError

from safety_regression.endpoints.base import OutcomeKind
from safety_regression.github.review.commands import CommandError, ReviewCommand, Verb, not_applied
from safety_regression.judges.base import Label
from safety_regression.snapshot.model import CaseResult, Snapshot
from safety_regression.suites.model import Expect

BLOCK_PREFIX = "<!-- safety-regression-decisions v2 "
V1_PREFIX = "<!-- safety-regression-decisions v1 "
"""Version 1 (read, never written): base64 of the JSON, with no applied comment ids."""
BLOCK_SUFFIX = " -->"
_BLOCK = re.compile(r"<!-- safety-regression-decisions (v[12]) (.*?)" + re.escape(BLOCK_SUFFIX))
MAX_BLOCK_CHARS = 30_000
"""The most characters of report comment the stored block may take (of GitHub's 65,536)."""
MAX_APPLIED = 300
"""Comment ids kept as applied (the newest): a re-run of an older comment's job is rare."""


class Decision(BaseModel):
    """Who decided what about which case, when and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    verb: Verb
    """``relabel`` or ``accept``."""
    label: Label | None = None
    """For ``relabel``: the label to use."""
    reason: str
    by: str
    """The GitHub login of the reviewer."""
    at: datetime
    responses_hash: str
    """``responses_hash`` of the fine-tuned results the decision was made on."""
    comment_url: str | None = None


class Stored(BaseModel):
    """What the report comment's hidden block holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decisions: list[Decision] = []
    applied: list[int] = []
    """The ids of the comments whose commands were applied, oldest first: a re-run of such
    a comment's job applies nothing again (version 2 on)."""

    def after(self, decisions: Sequence[Decision], comment_id: int) -> Stored:
        """The stored state once comment ``comment_id``'s commands gave ``decisions``."""
        applied = [*(i for i in self.applied if i != comment_id), comment_id][-MAX_APPLIED:]
        return Stored(decisions=list(decisions), applied=applied)


def encode_block(decisions: Sequence[Decision], applied: Sequence[int] = ()) -> str:
    """The hidden comment line that carries the decisions, inert whatever they say:
    version 2, the JSON compressed (zlib), then base64."""
    data = Stored(decisions=list(decisions), applied=list(applied)).model_dump_json().encode("utf-8")
    return BLOCK_PREFIX + base64.b64encode(zlib.compress(data, 9)).decode("ascii") + BLOCK_SUFFIX


def check_room(before: Stored, after: Stored) -> str:
    """The block for ``after``; a ``CommandError`` (the reply) when it grows past
    ``MAX_BLOCK_CHARS`` (a block that shrinks, or stays the same, is always written)."""
    block = encode_block(after.decisions, after.applied)
    if len(block) > MAX_BLOCK_CHARS and len(block) > len(encode_block(before.decisions, before.applied)):
        raise CommandError(
            f"not applied: the stored review decisions would take {len(block)} characters of the report "
            f"comment, more than the {MAX_BLOCK_CHARS} they may; withdraw decisions that no longer matter "
            f"(`/safety-review reset <case-id>`, lapsed ones first) or shorten the reason, then post it again"
        )
    return block


def decode_stored(body: str) -> Stored:
    """The stored block of a comment body (version 1 or 2); empty when it has none.

    Raises ``ValueError`` when the block is there but damaged.
    """
    found = _BLOCK.search(body)
    if found is None:
        return Stored()
    try:
        raw = base64.b64decode(found.group(2), validate=True)
        if found.group(1) == "v2":
            # Bounded: a forged block cannot unpack to more than GitHub's comment limit allows.
            inflater = zlib.decompressobj()
            raw = inflater.decompress(raw, _MAX_JSON)
            if inflater.unconsumed_tail:
                raise ValueError("it unpacks to more than any comment holds")
        return Stored.model_validate_json(raw)
    except (binascii.Error, zlib.error, ValidationError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"the stored review decisions cannot be read: {exc}") from None


def decode_block(body: str) -> list[Decision]:
    """The decisions in a comment body; [] when it has none (``decode_stored``)."""
    return decode_stored(body).decisions


_MAX_JSON = 4 * 1024 * 1024


def responses_hash(results: Iterable[CaseResult]) -> str:
    """A fingerprint of a model's answers to one case: each sample's outcome and response hash."""
    parts = sorted((r.sample, r.outcome.value, r.response_sha256 or "", r.case_hash) for r in results)
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()


def results_of(snapshot: Snapshot, case_id: str) -> list[CaseResult]:
    return [r for r in snapshot.results if r.case_id == case_id]


def record(decisions: Sequence[Decision], decision: Decision) -> list[Decision]:
    """The decisions with this one in force: the case's earlier decision is replaced."""
    return [d for d in decisions if d.case_id != decision.case_id] + [decision]


def forget(decisions: Sequence[Decision], case_id: str) -> list[Decision]:
    return [d for d in decisions if d.case_id != case_id]


def current(decisions: Sequence[Decision], candidate: Snapshot) -> tuple[list[Decision], list[Decision]]:
    """Split decisions into those still in force and those whose case's answers changed
    (or whose case is gone) since they were made."""
    hashes = _hashes(candidate)
    holding = [d for d in decisions if hashes.get(d.case_id) == d.responses_hash]
    lapsed = [d for d in decisions if hashes.get(d.case_id) != d.responses_hash]
    return holding, lapsed


def apply_decisions(
    reference: Snapshot, candidate: Snapshot, decisions: Sequence[Decision]
) -> tuple[Snapshot, Snapshot]:
    """The snapshot pair with the decisions applied (see the module docstring).

    The caller passes decisions that hold (``current``); each is applied as recorded.
    """
    relabels = {d.case_id: d.label for d in decisions if d.verb is Verb.RELABEL and d.label}
    accepted = {d.case_id for d in decisions if d.verb is Verb.ACCEPT}

    def relabelled(result: CaseResult) -> CaseResult:
        label = relabels.get(result.case_id)
        if label is None or result.outcome is not OutcomeKind.ANSWERED:
            return result
        return result.model_copy(update={"label": label})

    kept_reference = tuple(r for r in reference.results if r.case_id not in accepted)
    kept_candidate = tuple(relabelled(r) for r in candidate.results if r.case_id not in accepted)
    return (
        reference.model_copy(update={"results": kept_reference}),
        candidate.model_copy(update={"results": kept_candidate}),
    )


def _hashes(candidate: Snapshot) -> dict[str, str]:
    grouped: dict[str, list[CaseResult]] = {}
    for result in candidate.results:
        grouped.setdefault(result.case_id, []).append(result)
    return {case_id: responses_hash(results) for case_id, results in grouped.items()}


def decide(
    command: ReviewCommand,
    decisions: Sequence[Decision],
    candidate: Snapshot,
    *,
    by: str,
    at: datetime,
    comment_url: str | None = None,
) -> list[Decision]:
    """The decisions after a command; a ``CommandError`` naming the problem when it cannot apply."""
    if command.verb is Verb.STATUS:
        return list(decisions)
    case_id = command.case_id or ""
    if command.verb is Verb.RESET:
        if not any(d.case_id == case_id for d in decisions):
            raise CommandError(f"there is no decision on case {_named(case_id)} to reset")
        return forget(decisions, case_id)
    results = results_of(candidate, case_id)
    if not results:
        raise CommandError(
            f"unknown case id {_named(case_id)}: no result of the fine-tuned model at this commit has it "
            "(copy the id from the flagged cases in the report)"
        )
    if command.verb is Verb.RELABEL:
        if results[0].expect is Expect.ANSWER:
            raise CommandError(
                f"case {_named(case_id)} is a capability check, scored by its check, not labelled: "
                "accept it instead"
            )
        if not any(r.outcome is OutcomeKind.ANSWERED for r in results):
            raise CommandError(
                f"case {_named(case_id)} has no answer from the fine-tuned model to relabel "
                "(its requests failed or were blocked)"
            )
    decision = Decision(
        case_id=case_id,
        verb=command.verb,
        label=command.label,
        reason=command.reason,
        by=by,
        at=at,
        responses_hash=responses_hash(results),
        comment_url=comment_url,
    )
    return record(decisions, decision)


def decide_all(
    commands: Sequence[tuple[int, ReviewCommand]],
    decisions: Sequence[Decision],
    candidate: Snapshot,
    *,
    by: str,
    at: datetime,
    comment_url: str | None = None,
) -> list[Decision]:
    """The decisions after a comment's commands (numbered by line), applied in order: all
    of them, or none with a ``CommandError`` naming the line that cannot apply."""
    for number, command in commands:
        try:
            decisions = decide(command, decisions, candidate, by=by, at=at, comment_url=comment_url)
        except CommandError as exc:
            if len(commands) == 1:
                raise
            raise CommandError(not_applied(len(commands), [f"line {number}: {exc}"])) from None
    return list(decisions)


def _named(case_id: str) -> str:
    cleaned = "".join(ch for ch in case_id if ch.isprintable() and ch != "`")[:80]
    return f"`{cleaned}`"
