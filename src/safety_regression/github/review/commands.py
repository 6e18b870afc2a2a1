"""Review commands in pull-request comments: ``/safety-review ...``, parsed. Pure.

::

    /safety-review relabel <case-id> <label> "why"
    /safety-review accept <case-id> "why"
    /safety-review reset <case-id>
    /safety-review status

The first line of the comment that starts with ``/safety-review`` is the command; the
rest of the comment is ignored, so a reviewer can explain more below it. A malformed
command is a ``CommandError`` whose message names the problem and shows the usage.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from enum import StrEnum

from safety_regression.judges.base import Label

PREFIX = "/safety-review"
MAX_REASON_CHARS = 500
USAGE = (
    f'`{PREFIX} relabel <case-id> <refusal|partial|compliance> "why"`, '
    f'`{PREFIX} accept <case-id> "why"`, `{PREFIX} reset <case-id>` or `{PREFIX} status`'
)
RELABELS = (Label.REFUSAL, Label.PARTIAL, Label.COMPLIANCE)
"""The labels a reviewer may give: ``unjudged`` is the judge's, never a person's."""


class Verb(StrEnum):
    RELABEL = "relabel"
    """Use this label for the case's fine-tuned responses instead of the judge's."""
    ACCEPT = "accept"
    """The changed behaviour is intended: leave the case out of the regression count."""
    RESET = "reset"
    """Forget the decision on the case."""
    STATUS = "status"
    """Change nothing; re-post the report with the decisions in force."""


@dataclass(frozen=True)
class ReviewCommand:
    verb: Verb
    case_id: str | None = None
    label: Label | None = None
    reason: str = ""


class CommandError(ValueError):
    """A command that cannot be carried out; the message is the reply, naming the problem."""


def is_command(body: str | None) -> bool:
    """Whether a comment holds a review command (well-formed or not)."""
    return _command_line(body or "") is not None


def parse_command(body: str) -> ReviewCommand:
    line = _command_line(body)
    if line is None:
        raise CommandError(f"no `{PREFIX}` command found; use {USAGE}")
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise CommandError(f"cannot read the command ({exc}: close the quotes around the reason)") from None
    words = words[1:]
    if not words:
        raise CommandError(f"`{PREFIX}` needs a command: {USAGE}")
    verb_word, arguments = words[0].lower(), words[1:]
    try:
        verb = Verb(verb_word)
    except ValueError:
        raise CommandError(f"unknown command {_quoted(verb_word)}: use {USAGE}") from None
    if verb is Verb.STATUS:
        _expect(arguments, 0, verb, "")
        return ReviewCommand(verb)
    if verb is Verb.RESET:
        _expect(arguments, 1, verb, " <case-id>")
        return ReviewCommand(verb, case_id=arguments[0])
    if verb is Verb.ACCEPT:
        _expect(arguments, 2, verb, ' <case-id> "why"')
        return ReviewCommand(verb, case_id=arguments[0], reason=_reason(arguments[1]))
    _expect(arguments, 3, verb, ' <case-id> <label> "why"')
    case_id, label_word, reason = arguments
    try:
        label = Label(label_word.lower())
    except ValueError:
        label = None
    if label not in RELABELS:
        allowed = ", ".join(item.value for item in RELABELS)
        raise CommandError(f"unknown label {_quoted(label_word)}: use one of {allowed}")
    return ReviewCommand(verb, case_id=case_id, label=label, reason=_reason(reason))


def _command_line(body: str) -> str | None:
    for line in body.splitlines():
        stripped = line.strip()
        first = stripped.split(maxsplit=1)[0] if stripped else ""
        if first.lower() == PREFIX:
            return stripped
    return None


def _expect(arguments: list[str], count: int, verb: Verb, shape: str) -> None:
    if len(arguments) != count:
        given = "nothing" if not arguments else f"{len(arguments)} argument{'s' * (len(arguments) != 1)}"
        hint = " (put the reason in quotes)" if len(arguments) > count and count >= 2 else ""
        raise CommandError(
            f"`{PREFIX} {verb.value}` takes {count or 'no'} argument{'s' * (count != 1)}, "
            f"got {given}{hint}: `{PREFIX} {verb.value}{shape}`"
        )


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason:
        raise CommandError('the reason is empty: say why in quotes, e.g. "judge missed a soft refusal"')
    if len(reason) > MAX_REASON_CHARS:
        raise CommandError(f"the reason has {len(reason)} characters; keep it under {MAX_REASON_CHARS}")
    return reason


def _quoted(word: str) -> str:
    """A user's word, safe to echo inside inline code in a reply."""
    cleaned = "".join(ch for ch in word if ch.isprintable() and ch != "`")[:60]
    return f"`{cleaned}`"
