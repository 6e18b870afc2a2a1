"""The review decisions in the report comment: a visible table and the hidden stored block. Pure.

Everything a reviewer typed (the reason, the case id) is made inert before it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from safety_regression.github.review.commands import PREFIX, Verb
from safety_regression.github.review.decisions import Decision, encode_block
from safety_regression.github.review.regate import Regated
from safety_regression.report.formatting import markdown_table
from safety_regression.report.redact import inline_markdown

HEADING = "### Review decisions"
MAX_TABLE_CHARS = 20_000
"""The most characters the table of decisions takes; past that, its last rows are left out."""


def decisions_section(regated: Regated | None, decisions: Sequence[Decision] = ()) -> str:
    """The Markdown section listing every stored decision and what became of it."""
    if regated is None:
        listed, holding, pivotal = list(decisions), list(decisions), []
    else:
        listed, holding, pivotal = [*regated.holding, *regated.lapsed], regated.holding, regated.pivotal
    if not listed:
        return (
            f"{HEADING}\n\nNone. People with write access can review flagged cases with "
            f'`{PREFIX} relabel <case-id> <label> "why"`, `{PREFIX} accept <case-id> "why"`, '
            f"`{PREFIX} reset <case-id>` or `{PREFIX} status`."
        )
    # Those that changed the outcome first, lapsed ones last: what a cut table leaves out matters least.
    listed.sort(key=lambda d: 0 if d in pivotal else 1 if d in holding else 2)
    rows = [
        [
            inline_markdown(d.case_id, 80),
            _what(d),
            inline_markdown(d.reason, 300),
            f"{inline_markdown(d.by, 40)}, {d.at:%Y-%m-%d %H:%M} UTC",
            _state(d, holding, pivotal),
        ]
        for d in listed
    ]
    headers = ["Case", "Decision", "Why", "Who, when", "Effect"]
    shown = len(rows)
    table = markdown_table(rows, headers)
    while len(table) > MAX_TABLE_CHARS and shown > 1:
        shown = max(1, shown * MAX_TABLE_CHARS // len(table) - 1) if shown > 2 else shown - 1
        table = markdown_table(rows[:shown], headers)
    hidden = len(rows) - shown
    if hidden:
        table += (
            f"\n\n**{hidden} more decision{'s' * (hidden != 1)} not shown** (of {len(rows)}: the "
            "table is cut to fit the comment; the hidden ones stay stored, and apply unless lapsed)."
        )
    note = (
        "A decision holds until the fine-tuned model answers its case differently. "
        f"`{PREFIX} reset <case-id>` withdraws one."
    )
    return f"{HEADING}\n\n{table}\n\n{note}"


def comment_body(
    report_markdown: str, section: str, decisions: Sequence[Decision], applied: Sequence[int] = ()
) -> str:
    """The report with the decisions: the stored block right after the marker line, so
    cutting a long report to GitHub's limit never loses it, and the table at the end."""
    first, _, rest = report_markdown.partition("\n")
    return f"{first}\n{encode_block(decisions, applied)}\n{rest.rstrip()}\n\n{section}\n"


def _what(decision: Decision) -> str:
    if decision.verb is Verb.RELABEL and decision.label is not None:
        return f"relabelled **{decision.label.value}**"
    return "accepted: not counted"


def _state(decision: Decision, holding: Sequence[Decision], pivotal: Sequence[Decision]) -> str:
    if decision in pivotal:
        return "applied; **changed the outcome**"
    if decision in holding:
        return "applied"
    return "lapsed: the answer changed"
