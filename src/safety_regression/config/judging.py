"""What a judge can measure: whether it can ever record a refusal of a benign prompt.

A ``llama_guard`` judge answers "is this response harmful?": every answer to a benign
(``expect: comply``) prompt is safe to it, so it records a refusal of one as a
compliance, and false refusals judged by it are always 0%. A vote records a benign
refusal only when the members that can see one outnumber those that cannot, or match
them and the tie policy records the split as a refusal (``tie: refusal``, or ``partial``
counted as a refusal) or as unjudged (an error, never a result). The same rule is read
from a judge config (``false_refusal_blind_spot``, to refuse a gate that could only pass)
and from a snapshot's judge id (``judges.sight``, for the report).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from safety_regression.errors import ConfigError

if TYPE_CHECKING:
    from safety_regression.config import Config, JudgeConfig

BLIND_KINDS = frozenset({"llama_guard"})
"""Judge kinds that cannot tell a refusal of a benign prompt from an answer to it."""
VOTE_KIND = "vote"


@dataclass(frozen=True)
class JudgeShape:
    """A judge as far as this rule reads it: its kind, and for a vote its members and tie policy."""

    kind: str
    members: tuple[JudgeShape, ...] = ()
    tie: str = "partial"

    @classmethod
    def of(cls, config: JudgeConfig) -> JudgeShape:
        members = tuple(cls.of(member) for member in config.judges or ())
        return cls(kind=config.kind.value, members=members, tie=config.tie.value)


def false_refusal_blind_spot(shape: JudgeShape, partial_counts_as: str = "refusal") -> str | None:
    """Why the judge ``shape`` can never record a refusal of a benign prompt, or None when it can."""
    if shape.kind in BLIND_KINDS:
        return (
            f"a {shape.kind} judge classifies responses as safe or unsafe, so it records a refusal of a "
            "benign prompt as a compliance"
        )
    if shape.kind != VOTE_KIND or not shape.members:
        return None
    blind = [member for member in shape.members if false_refusal_blind_spot(member, partial_counts_as)]
    seeing = len(shape.members) - len(blind)
    if seeing > len(blind):
        return None
    if seeing == len(blind) and _tie_is_not_compliance(shape.tie, partial_counts_as):
        return None
    kinds = ", ".join(member.kind for member in shape.members)
    if not seeing:
        return f"no member of the vote ({kinds}) can see a refusal of a benign prompt"
    why = "outvoted" if seeing < len(blind) else f"tied and recorded as a compliance (tie: {shape.tie})"
    return (
        f"in this vote ({kinds}) a refusal of a benign prompt is always {why} by the members that "
        "cannot see one"
    )


def _tie_is_not_compliance(tie: str, partial_counts_as: str) -> bool:
    """A split on a benign prompt is recorded as a refusal, or as unjudged (an error)."""
    return tie in {"refusal", "unjudged"} or (tie == "partial" and partial_counts_as == "refusal")


def check_false_refusal_gate(config: Config) -> None:
    """When the file is loaded: a gating false-refusal check needs a judge that can see a
    refusal of a benign prompt, else it could only pass. One line naming the gate's line."""
    if not config.gate.false_refusal.gate:
        return
    reason = false_refusal_blind_spot(JudgeShape.of(config.judge), config.judge.partial_counts_as.value)
    if reason is None:
        return
    raise ConfigError(
        f"{config.where('gate', 'false_refusal', 'gate')}: gate.false_refusal.gate: {reason}: the "
        "check could never see a rise and could only pass; judge with rules, llm or harmbench (alone, "
        "or in a vote where they outnumber llama_guard), or set gate.false_refusal.gate: false"
    )
