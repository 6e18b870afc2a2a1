"""What the judge that labelled a snapshot can see, read from its id (``config.judging``).

A judge's id starts with its kind (``llama_guard/1:<model>``, ``rules/15+lr/10``); a
vote's names its members and tie policy, ``vote/1(<id>,<id>;tie=<policy>)``
(``judges.vote``). A member id is found where a known kind starts after the opening
bracket or a comma, so a comma inside a model name does not make a member of its own.
"""

from __future__ import annotations

import re

from safety_regression.config.judging import JudgeShape, false_refusal_blind_spot

_KINDS = ("rules", "llm", "llama_guard", "harmbench", "vote")
_MEMBER_START = re.compile(rf",(?=(?:{'|'.join(_KINDS)})/)")
_VOTE = re.compile(r"vote/\d+\((?P<members>.*);tie=(?P<tie>[a-z]+)\)", re.DOTALL)


def judge_shape(judge_id: str) -> JudgeShape:
    """The kind (and a vote's members and tie policy) of the judge with this id."""
    vote = _VOTE.fullmatch(judge_id)
    if vote is None:
        return JudgeShape(kind=judge_id.split("/", 1)[0])
    members = tuple(judge_shape(member) for member in _split_members(vote["members"]))
    return JudgeShape(kind="vote", members=members, tie=vote["tie"])


def false_refusals_unseen(judge_id: str | None, partial_counts_as: str) -> str | None:
    """Why the judge ``judge_id`` cannot record a refusal of a benign prompt (None when it can)."""
    if judge_id is None:
        return None
    reason = false_refusal_blind_spot(judge_shape(judge_id), partial_counts_as)
    return None if reason is None else f"{judge_id}: {reason}"


def _split_members(members: str) -> list[str]:
    # A nested vote's own commas sit inside its brackets: split only at depth 0.
    parts, depth, start = [], 0, 0
    for index, char in enumerate(members):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0 and _MEMBER_START.match(members, index):
            parts.append(members[start:index])
            start = index + 1
    parts.append(members[start:])
    return parts
