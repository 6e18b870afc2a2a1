"""Review commands in pull-request comments: ``/safety-review ...``, parsed. Pure.

::

    /safety-review relabel <case-id> <label> "why"
    /safety-review accept <case-id> "why"
    /safety-review reset <case-id>
    /safety-review status
    /safety-review:HEADER ...   (any of them, for the gate of that ``header`` only)

Every line of the comment that starts with ``/safety-review`` (indented at most three
spaces) is a command, applied in order; other lines are ignored, so a reviewer can
explain around them. Lines a reader sees as quoted or as code are not commands:
fenced code blocks (``` or ~~~), indented code (four spaces or a tab), block quotes
(``>``, with the lines that continue them), HTML blocks and HTML comments, even one that
starts mid-line. A command addressed to a header (``/safety-review:medical``) is for that
gate's review step only; the others read the comment as if the line were not there.
Typographic quotes (\u201c \u201d \u2018 \u2019) around a reason count as ASCII ones.
A malformed command is a ``CommandError`` whose message
names the problem and shows the usage; in a comment with several, it names the line,
and none of them is applied.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from enum import StrEnum

from safety_regression.github.review.blocks import plain_lines
from safety_regression.judges.base import Label

PREFIX = "/safety-review"
MAX_REASON_CHARS = 500
MAX_COMMANDS = 50
"""Commands carried out from one comment; a comment with more is refused whole."""
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
    header: str | None = None
    """The gate the line addresses (``/safety-review:HEADER``); None: every gate."""


class CommandError(ValueError):
    """A command that cannot be carried out; the message is the reply, naming the problem."""


def is_command(body: str | None) -> bool:
    """Whether a comment holds a review command (well-formed or not)."""
    return bool(command_lines(body or ""))


def command_lines(body: str) -> list[tuple[int, str]]:
    """The comment's command lines, numbered from 1: the plain lines (``blocks.plain_lines``:
    not code, quoted or HTML) whose first word is the prefix."""
    found: list[tuple[int, str]] = []
    for number, line in plain_lines(body):
        first = line.split(maxsplit=1)[0] if line else ""
        if first.lower() == PREFIX or first.lower().startswith(PREFIX + ":"):
            found.append((number, line))
    return found


def misspelt(body: str | None) -> str | None:
    """The first word of a plain line that looks like a misspelt ``/safety-review``
    (``/safety-reveiw``, ``/safety_review``, ``/safetyreview``, ``/safety review``), or None."""
    if not body or is_command(body):
        return None
    for _, line in plain_lines(body):
        words = line.split(maxsplit=2)
        first = words[0].lower().split(":", 1)[0]
        if first == "/safety" and len(words) > 1 and words[1].lower().startswith("review"):
            return f"{words[0]} {words[1]}"
        if first.startswith("/") and first != PREFIX and _distance(first, PREFIX) <= 2:
            return words[0]
    return None


def _distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) from ``a`` to ``b``."""
    if abs(len(a) - len(b)) > 2:
        return 3
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def addressed(line: str) -> str | None:
    """The header a command line addresses (``/safety-review:HEADER``), None for every gate."""
    first = line.split(maxsplit=1)[0]
    return first[len(PREFIX) + 1 :] if len(first) > len(PREFIX) else None


def for_gate(line: str, header: str) -> bool:
    """Whether the command line is for the gate of ``header`` ("" for the gate without one)."""
    target = addressed(line)
    return target is None or target.lower() == header.lower()


_HEADER = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def parse_commands(body: str, header: str | None = None) -> list[tuple[int, ReviewCommand]]:
    """Every command in the comment with its line number, in order; a ``CommandError``
    naming each line that cannot be read (and then none is returned). With ``header``,
    only the lines for that gate (``for_gate``): none, when every line addresses another."""
    lines = command_lines(body)
    if not lines:
        raise CommandError(f"no `{PREFIX}` command found; use {USAGE}")
    if header is not None:
        lines = [(number, line) for number, line in lines if for_gate(line, header)]
        if not lines:
            return []
    if len(lines) > MAX_COMMANDS:
        raise CommandError(
            f"the comment holds {len(lines)} commands; at most {MAX_COMMANDS} are carried out from one "
            "comment, so none was: split them over several comments"
        )
    if len(lines) == 1:
        return [(lines[0][0], _parse_line(lines[0][1]))]
    parsed: list[tuple[int, ReviewCommand]] = []
    problems: list[str] = []
    for number, line in lines:
        try:
            parsed.append((number, _parse_line(line)))
        except CommandError as exc:
            problems.append(f"line {number}: {exc}")
    if problems:
        raise CommandError(not_applied(len(lines), problems))
    return parsed


def not_applied(commands: int, problems: list[str]) -> str:
    """The reply for a comment of several commands some of which cannot be carried out."""
    return f"none of the comment's {commands} commands was applied. " + "; ".join(problems)


def parse_command(body: str) -> ReviewCommand:
    """The comment's one command; a ``CommandError`` when it has none, several, or a bad one."""
    commands = parse_commands(body)
    if len(commands) > 1:
        raise CommandError(f"expected one `{PREFIX}` command, found {len(commands)}")
    return commands[0][1]


_TYPOGRAPHIC_DOUBLE = re.compile("[\u201c\u201d\u201e\u201f]")
_TYPOGRAPHIC_SINGLE = re.compile("\u2018|(?<!\\w)\u2019|\u2019(?!\\w)")


def ascii_quotes(line: str) -> str:
    """The line with typographic quotes (what phones and some editors type) made ASCII:
    \u201c \u201d as ``"``, \u2018 and a \u2019 that is not an apostrophe (between two letters) as ``'``."""
    return _TYPOGRAPHIC_SINGLE.sub("'", _TYPOGRAPHIC_DOUBLE.sub('"', line))


def _parse_line(line: str) -> ReviewCommand:
    try:
        words = shlex.split(ascii_quotes(line))
    except ValueError as exc:
        raise CommandError(f"cannot read the command ({exc}: close the quotes around the reason)") from None
    header = addressed(words[0]) if words else None
    words = words[1:]
    if header is not None and not _HEADER.fullmatch(header):
        raise CommandError(
            f"{_quoted(PREFIX + ':' + header)} names no header a gate can have (1-64 letters, digits, "
            f"'.', '_' or '-'): `{PREFIX}:HEADER` addresses the gate of that header input"
        )
    if not words:
        raise CommandError(f"`{PREFIX}` needs a command: {USAGE}")
    verb_word, arguments = words[0].lower(), words[1:]
    try:
        verb = Verb(verb_word)
    except ValueError:
        raise CommandError(f"unknown command {_quoted(verb_word)}: use {USAGE}") from None
    if verb is Verb.STATUS:
        _expect(arguments, 0, verb, "")
        return ReviewCommand(verb, header=header)
    if verb is Verb.RESET:
        _expect(arguments, 1, verb, " <case-id>")
        return ReviewCommand(verb, case_id=arguments[0], header=header)
    if verb is Verb.ACCEPT:
        _expect(arguments, 2, verb, ' <case-id> "why"')
        return ReviewCommand(verb, case_id=arguments[0], reason=_reason(arguments[1]), header=header)
    _expect(arguments, 3, verb, ' <case-id> <label> "why"')
    case_id, label_word, reason = arguments
    try:
        label = Label(label_word.lower())
    except ValueError:
        label = None
    if label not in RELABELS:
        allowed = ", ".join(item.value for item in RELABELS)
        raise CommandError(f"unknown label {_quoted(label_word)}: use one of {allowed}")
    return ReviewCommand(verb, case_id=case_id, label=label, reason=_reason(reason), header=header)


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
