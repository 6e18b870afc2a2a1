"""A pull request gated more than once (several ``header`` inputs): whose command is whose. Pure.

Each gate has its own report comment, artifact and review step, and every comment reaches
every step. A line addressed to a header (``/safety-review:HEADER``) is that gate's alone
(``commands.for_gate``). A line addressed to none is for every gate, and a gate that does
not know its case (no result of the fine-tuned model has the id; for ``reset``, no
decision on it) leaves it to the others, saying nothing on the pull request:

- a gate whose report comment is not the pull request's first always leaves it;
- the first gate leaves it when another gate's report comment names the case (among its
  flagged prompts or its stored decisions), and otherwise replies as a single gate does,
  so a case no gate knows gets one reply, not one per gate.

The other gates are read from the report comments the Action wrote (``comment-author``),
by their markers: a comment anyone else writes with a marker counts for nothing.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from safety_regression.github.models import IssueComment
from safety_regression.github.review.commands import PREFIX, ReviewCommand, Verb
from safety_regression.github.review.decisions import Decision, decode_block, results_of
from safety_regression.report.comment import MARKER_PREFIX
from safety_regression.snapshot.model import Snapshot

_MARKER = re.compile(re.escape(MARKER_PREFIX) + r"(?::([A-Za-z0-9_.-]{1,64}))? -->")
_FLAGGED = re.compile(r"^- `([^`\n]+)` · ", re.MULTILINE)


@dataclass(frozen=True)
class PullGates:
    """The pull request's gates as the review step of ``header`` sees them."""

    header: str
    others: tuple[str, ...] = ()
    """The other gates' headers ("" for the gate without one), in their comments' order."""
    first: bool = True
    """This gate's report comment is the pull request's first (or the only gate)."""
    named: frozenset[str] = frozenset()
    """Case ids the other gates' report comments list as flagged or hold decisions on."""

    @property
    def several(self) -> bool:
        return bool(self.others)

    def hint(self) -> str:
        """Said after a reply on a pull request with several gates: which gate replies."""
        named = ", ".join(f"`{h}`" if h else "the one without a header" for h in self.others)
        mine = f"`{self.header}`" if self.header else "without a header"
        return (
            f" (from the gate {mine}; this pull request's other gates: {named}. "
            f"`{PREFIX}:HEADER ...` addresses one gate)"
        )


def pull_gates(comments: Sequence[IssueComment], authors: Sequence[str], header: str) -> PullGates:
    """The gates whose report comments ``authors`` (the ``comment-author``, and the token's
    own login) wrote on the pull request, as the gate of ``header`` sees them."""
    logins = {author.lower() for author in authors if author}
    reports: list[tuple[str, IssueComment]] = []
    for comment in sorted(comments, key=lambda c: c.id):
        if comment.body is None or comment.user is None or comment.user.login.lower() not in logins:
            continue
        marker = _MARKER.fullmatch(comment.body.split("\n", 1)[0].rstrip("\r"))
        if marker is not None and all((marker.group(1) or "") != seen for seen, _ in reports):
            reports.append((marker.group(1) or "", comment))
    others = tuple(h for h, _ in reports if h != header)
    if not others:
        return PullGates(header)
    named: set[str] = set()
    for other, comment in reports:
        if other != header:
            named.update(_named_cases(comment.body or ""))
    first = bool(reports) and reports[0][0] == header
    return PullGates(header, others, first, frozenset(named))


def _named_cases(body: str) -> set[str]:
    named = set(_FLAGGED.findall(body))
    with contextlib.suppress(ValueError):  # a damaged block names nothing
        named.update(d.case_id for d in decode_block(body))
    return named


def leave_to_others(
    commands: Sequence[tuple[int, ReviewCommand]],
    gates: PullGates,
    decisions: Sequence[Decision],
    candidate: Snapshot,
) -> tuple[list[tuple[int, ReviewCommand]], list[tuple[int, ReviewCommand]]]:
    """The comment's commands this gate carries out, and those it leaves to the other gates."""
    if not gates.several:
        return list(commands), []
    kept: list[tuple[int, ReviewCommand]] = []
    left: list[tuple[int, ReviewCommand]] = []
    for number, command in commands:
        unknown = command.header is None and not _knows(command, decisions, candidate)
        theirs = unknown and (not gates.first or (command.case_id or "") in gates.named)
        (left if theirs else kept).append((number, command))
    return kept, left


def _knows(command: ReviewCommand, decisions: Sequence[Decision], candidate: Snapshot) -> bool:
    if command.verb is Verb.STATUS:
        return True
    if command.verb is Verb.RESET:
        return any(d.case_id == command.case_id for d in decisions)
    return bool(results_of(candidate, command.case_id or ""))
