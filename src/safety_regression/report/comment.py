"""The pull-request comment: the gate result as a reviewer reads it at a glance.

report.md is the full record; the comment is the short form that is posted on the pull
request, in this order:

1. a verdict line with a status mark, the recommendation and the reasons (never cut);
2. a compact table, one row per category: n, base -> fine-tuned, Δ with its interval,
   p, status;
3. a Mermaid ``xychart-beta`` bar chart of the two refusal rates per category;
4. the flagged prompts in a collapsed ``<details>``, grouped by category and capped;
5. false refusals, capability, and links to the run, the artifact and the full report.

The text is assembled from whole blocks, so cutting it under GitHub's size limit drops
whole blocks (the flagged list first, one entry at a time) and never lands inside a
code fence. Every piece of model, suite or config text goes through ``redact``.

The chart is drawn in ``report.chart`` and Markdown is cut to a size in ``report.fit``;
both are re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from safety_regression.config import ReportConfig
from safety_regression.gate.result import (
    CategoryResult,
    FlaggedCase,
    FlagKind,
    GateResult,
    Verdict,
)
from safety_regression.report import formatting as fmt
from safety_regression.report.chart import chart_label, mermaid_chart
from safety_regression.report.fit import fit_markdown
from safety_regression.report.redact import fenced_block, inline_markdown, truncate, withheld_note

__all__ = [
    "COMMENT_LIMIT",
    "MARKER_PREFIX",
    "MAX_FLAGGED",
    "MAX_REASONS",
    "CommentLinks",
    "CommentOptions",
    "category_status",
    "chart_label",
    "comment_marker",
    "fit_markdown",
    "mermaid_chart",
    "regressed_categories",
    "render_comment",
    "unproven_categories",
    "valid_mention",
]

COMMENT_LIMIT = 65_536
"""Characters GitHub accepts in a comment body; the comment stays below it."""
MARKER_PREFIX = "<!-- safety-regression-report"
MAX_FLAGGED = 20
"""Flagged prompts listed in the comment; the rest are in the artifact."""
MAX_REASONS = 12
_NOTICE_CHARS = 600
_REASON_CHARS = 300
_PROMPT_CHARS = 120
_HEADER = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_MENTION = re.compile(r"^@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9_.-]{1,100})?$")

_VERDICT_MARKS = {Verdict.PASS: "✅", Verdict.FAIL: "❌", Verdict.INCONCLUSIVE: "⚠️"}
_STATUS_MARKS = {"pass": "✅ pass", "unproven": "❔ unproven", "regression": "❌ **regression**"}
_KIND_WORDS = {
    FlagKind.LOST_REFUSAL: "lost refusal",
    FlagKind.NEW_FALSE_REFUSAL: "new false refusal",
    FlagKind.LOST_ANSWER: "capability check now failed",
}


@dataclass(frozen=True)
class CommentLinks:
    """Where the reader goes for more; any may be unknown (run outside Actions)."""

    run: str | None = None
    artifact: str | None = None
    artifact_name: str = "safety-report"
    report: str | None = None


@dataclass(frozen=True)
class CommentOptions:
    header: str = ""
    """Tells two gates in one pull request apart: each keeps its own sticky comment."""
    mentions: tuple[str, ...] = ()
    """Users (``@name``) or teams (``@org/team``) to mention when the gate fails."""
    mention_on_inconclusive: bool = False
    max_flagged: int = MAX_FLAGGED
    limit: int = COMMENT_LIMIT - 1


def comment_marker(header: str = "") -> str:
    """The hidden first line a sticky comment is found by; one per header."""
    if header and not _HEADER.match(header):
        raise ValueError(f"header {header!r} must be 1-64 letters, digits, '.', '_' or '-'")
    return f"{MARKER_PREFIX}:{header} -->" if header else f"{MARKER_PREFIX} -->"


def valid_mention(mention: str) -> bool:
    """A GitHub login or ``org/team``, with or without the leading ``@``."""
    return bool(_MENTION.match(mention))


def category_status(category: CategoryResult) -> str:
    """``regression``, ``unproven`` or ``pass``: the gate's own three-way status."""
    return str(category.status.value)


def regressed_categories(result: GateResult) -> list[str]:
    return [c.name for c in result.categories if c.gating and category_status(c) == "regression"]


def unproven_categories(result: GateResult) -> list[str]:
    return [c.name for c in result.categories if c.gating and category_status(c) == "unproven"]


def unproven_checks(result: GateResult) -> list[str]:
    """Every gating check left unproven, as a reader names it: the harm categories, then
    false refusals and capability families that errors could tip or nothing measured."""
    names = unproven_categories(result)
    overall = result.false_refusal.overall
    if result.false_refusal.gating and (overall is None or overall.unproven_reason):
        names.append("false refusals")
    names += [c.title for c in result.capability if c.gating and (c.unproven_reason or not c.measured)]
    return names


def render_comment(
    result: GateResult,
    report: ReportConfig,
    links: CommentLinks,
    options: CommentOptions | None = None,
) -> str:
    """The comment body, at most ``options.limit`` characters, ending in a newline."""
    options = options or CommentOptions()
    head = _head(result, options)
    tail = _links_section(links)
    flagged = result.flagged
    blocks: list[tuple[str, str | None]] = [
        ("the category table", _table_section(result)),
        ("the chart", mermaid_chart(result)),
        ("flagged prompts", None),  # built below, to the space that is left
        ("false refusals", _false_refusal_section(result)),
        ("capability", _capability_section(result)),
        ("warnings", _warnings_section(result)),
    ]
    omitted_note = "_Left out to fit GitHub's size limit: {}. The full report has them._"
    budget = options.limit - len(head) - len(tail) - 4 - len(omitted_note) - 120
    kept: list[str] = []
    omitted: list[str] = []
    for name, block in blocks:
        if block is None and name == "flagged prompts":
            block = _flagged_section(flagged, report, options.max_flagged, budget - 2, links)
        if not block:
            continue
        if len(block) + 2 <= budget:
            kept.append(block)
            budget -= len(block) + 2
        else:
            omitted.append(name)
    if omitted:
        kept.append(omitted_note.format(", ".join(omitted)))
    return "\n\n".join([head, *kept, tail]) + "\n"


# ----------------------------------------------------------------- the verdict


def _head(result: GateResult, options: CommentOptions) -> str:
    mark = _VERDICT_MARKS[result.verdict]
    word = fmt.verdict_word(result.verdict)
    recommendation = fmt.recommendation_words(result.recommendation.value)
    gate = f"Safety gate `{options.header}`" if options.header else "Safety gate"
    lines = [
        comment_marker(options.header),
        f"### {mark} {gate}: {word} · recommendation: **{recommendation}**",
    ]
    for notice in result.notices[:MAX_REASONS]:
        lines += ["", f"> [!WARNING]\n> **{inline_markdown(notice, limit=_NOTICE_CHARS)}**"]
    reasons = result.reasons[:MAX_REASONS]
    if reasons:
        lines.append("")
        lines += [f"- {inline_markdown(reason, limit=_REASON_CHARS)}" for reason in reasons]
        if len(result.reasons) > MAX_REASONS:
            lines.append(f"- … and {len(result.reasons) - MAX_REASONS} more reasons in the full report")
    mentions = _mentions(result, options)
    if mentions:
        lines += ["", f"cc {mentions}"]
    base, finetuned, delta = fmt.composite(result.composite_score)
    lines += [
        "",
        f"Composite safety score {base} → {finetuned} ({delta}) · base `{_code(result.base_model)}` · "
        f"fine-tuned `{_code(result.finetuned_model)}`",
    ]
    return "\n".join(lines)


def _mentions(result: GateResult, options: CommentOptions) -> str:
    alerting = result.verdict is Verdict.FAIL or (
        result.verdict is Verdict.INCONCLUSIVE and options.mention_on_inconclusive
    )
    if not alerting:
        return ""
    names = [m.lstrip("@") for m in options.mentions if valid_mention(m)]
    return " ".join(f"@{name}" for name in names)


def _code(text: str) -> str:
    """Text for an inline code span: one line, no backticks, short."""
    return truncate(" ".join(text.replace("`", "'").split()), 60)


# ----------------------------------------------------------------- the table


def _table_section(result: GateResult) -> str:
    if not result.categories:
        return "No `expect: refuse` cases were compared."
    p_header = "p (Holm)" if result.holm else "p"
    rows = [_row(category) for category in result.categories]
    table = fmt.markdown_table(
        rows, ["Category", "n", "Refusal rate base → fine-tuned", "Δ (drop bound)", p_header, "Status"]
    )
    return f"{table}\n\n<sub>{_footnote(result)}</sub>"


def _row(category: CategoryResult) -> list[str]:
    status = _STATUS_MARKS.get(category_status(category), inline_markdown(category_status(category)))
    if not category.gating:
        status += " (non-gating)"
    return [
        inline_markdown(category.name, limit=40),
        str(category.n),
        f"{fmt.percent(category.base_refusal_rate)} → {fmt.percent(category.finetuned_refusal_rate)}",
        _delta_cell(category),
        fmt.p_value(category.p_adjusted),
        status,
    ]


def _delta_cell(category: CategoryResult) -> str:
    """Δ with the gate's own one-sided upper bound on the drop."""
    bound = max(category.drop_upper_bound, 0.0)
    return f"{fmt.points(category.delta)} (drop ≤ {fmt.size_points(bound)})"


def _footnote(result: GateResult) -> str:
    statuses = {category_status(c) for c in result.categories}
    parts = [f"{fmt.describe_test(result.test)}, one-sided, alpha = {result.alpha:g}"]
    parts.append(f"minimum effect {fmt.size_points(result.min_effect)}")
    parts.append("drop ≤ x: the one-sided upper confidence bound on the paired drop, at the gate's level")
    if "unproven" in statuses:
        drops = [c.detectable_drop for c in result.categories if category_status(c) == "unproven"]
        known = [d for d in drops if d is not None]
        if known:
            parts.append(
                "unproven: too few prompts to rule out a drop (this run detects drops of "
                f"{fmt.size_points(min(known))} or more)"
            )
        else:
            parts.append("unproven: too few prompts to rule out a drop")
    return "; ".join(parts) + "."


# ----------------------------------------------------------------- flagged prompts


def _flagged_section(
    flagged: Sequence[FlaggedCase], report: ReportConfig, cap: int, budget: int, links: CommentLinks
) -> str | None:
    if not flagged:
        return None
    where = f"`{links.artifact_name}` artifact"
    opening = f"<details>\n<summary>Flagged prompts ({len(flagged)})</summary>\n"
    closing = "\n</details>"
    spare = budget - len(opening) - len(closing) - 80
    parts: list[str] = []
    shown = 0
    ordered = sorted(flagged[: max(cap, 0)], key=lambda flag: flag.category)
    for category, group in groupby(ordered, key=lambda flag: flag.category):
        entries = list(group)
        heading = f"\n**{inline_markdown(category, limit=40)}** ({len(entries)} shown)\n"
        lines: list[str] = []
        for flag in entries:
            entry = _flagged_entry(flag, report)
            cost = len(entry) + 1 + (0 if lines else len(heading))
            if cost > spare:
                break
            lines.append(entry)
            spare -= cost
            shown += 1
        if lines:
            parts.append(heading + "\n".join(lines))
        if len(lines) < len(entries):
            break
    hidden = len(flagged) - shown
    more = f"\n\n{hidden} more in the {where} (report.json)." if hidden else ""
    if not parts:
        return f"{len(flagged)} flagged prompts: all in the {where} (report.json)."
    return opening + "\n".join(parts) + more + closing


def _flagged_entry(flag: FlaggedCase, report: ReportConfig) -> str:
    change = ""
    if flag.base_label is not None and flag.finetuned_label is not None:
        change = f" ({flag.base_label.value} → {flag.finetuned_label.value})"
    elif flag.kind is FlagKind.LOST_REFUSAL and flag.finetuned_label is not None:
        change = f" (no usable base answer → {flag.finetuned_label.value})"
    prompt = inline_markdown(flag.prompt, limit=_PROMPT_CHARS) if flag.prompt is not None else "(no prompt)"
    hazards = fmt.hazards_note(flag.hazards)
    entry = f"- `{_code(flag.case_id)}` · {_KIND_WORDS[flag.kind]}{change}{hazards}: {prompt}"
    if report.show_responses and flag.finetuned_response is not None and report.excerpt_chars > 0:
        excerpt = fenced_block(truncate(flag.finetuned_response.strip(), report.excerpt_chars))
        entry += "\n\n" + "\n".join(f"  {line}" for line in excerpt.splitlines()) + "\n"
    elif report.show_responses:
        entry += f" — {withheld_note(flag, hint=None)}"
    return entry


# ----------------------------------------------------------------- the rest


def _false_refusal_section(result: GateResult) -> str | None:
    false_refusal = result.false_refusal
    overall = false_refusal.overall
    role = "gating" if false_refusal.gating else "informational"
    if false_refusal.unmeasured is not None:
        return f"**False refusals on benign prompts** ({role}): not measured by this judge"
    if overall is None:
        return None
    worse = [s.name for s in false_refusal.categories if s.regression]
    line = (
        f"**False refusals on benign prompts** ({role}): {fmt.percent(overall.base_rate)} → "
        f"{fmt.percent(overall.finetuned_rate)} ({fmt.points(overall.delta)}, "
        f"{fmt.p_clause(overall.p_value)}, n = {overall.n})"
    )
    if overall.regression or worse:
        named = ", ".join(inline_markdown(name, limit=40) for name in worse) or "overall"
        line += f"; more refusals: {named}"
    return line


def _capability_section(result: GateResult) -> str | None:
    if not result.capability:
        return None
    items = []
    for family in result.capability:
        mark = " ❌ **regression**" if family.regression else ""
        role = "" if family.gating else " (informational)"
        accuracies = family.accuracies()
        if accuracies is None:
            items.append(f"{inline_markdown(family.name, limit=40)} not measured{role}")
            continue
        base, finetuned, _ = accuracies
        items.append(
            f"{inline_markdown(family.name, limit=40)} {fmt.percent(base)} → "
            f"{fmt.percent(finetuned)}{role}{mark}"
        )
    return "**Capability:** " + "; ".join(items)


def _warnings_section(result: GateResult) -> str | None:
    if not result.warnings:
        return None
    return "\n".join(f"> ⚠️ {inline_markdown(w, limit=_REASON_CHARS)}" for w in result.warnings[:5])


def _links_section(links: CommentLinks) -> str:
    parts = []
    if links.run:
        parts.append(f"[workflow run]({_url(links.run)})")
    if links.artifact:
        parts.append(f"[`{links.artifact_name}` artifact]({_url(links.artifact)})")
    if links.report:
        parts.append(f"[full report]({_url(links.report)})")
    if not parts:
        return "<sub>The full report is report.md in the gate's output folder.</sub>"
    return "<sub>" + " · ".join(parts) + " (report.md, report.json, junit.xml)</sub>"


def _url(url: str) -> str:
    """A link target that cannot break out of the Markdown link."""
    return url.replace(" ", "%20").replace(")", "%29").replace("(", "%28").replace("<", "%3C")
