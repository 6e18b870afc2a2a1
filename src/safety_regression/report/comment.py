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
from safety_regression.report.redact import fenced_block, inline_markdown, truncate, withheld_note

COMMENT_LIMIT = 65_536
"""Characters GitHub accepts in a comment body; the comment stays below it."""
MARKER_PREFIX = "<!-- safety-regression-report"
MAX_FLAGGED = 20
"""Flagged prompts listed in the comment; the rest are in the artifact."""
MAX_REASONS = 12
_REASON_CHARS = 300
_PROMPT_CHARS = 120
_CHART_LABEL_CHARS = 20
_HEADER = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_MENTION = re.compile(r"^@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9_.-]{1,100})?$")
# Characters that would end or bend a quoted Mermaid label.
_CHART_UNSAFE = re.compile(r"[^A-Za-z0-9 _.+/-]")

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
    reasons = result.reasons[:MAX_REASONS]
    if reasons:
        lines.append("")
        lines += [f"- {inline_markdown(reason, limit=_REASON_CHARS)}" for reason in reasons]
        if len(result.reasons) > MAX_REASONS:
            lines.append(f"- … and {len(result.reasons) - MAX_REASONS} more reasons in the full report")
    mentions = _mentions(result, options)
    if mentions:
        lines += ["", f"cc {mentions}"]
    score = result.composite_score
    lines += [
        "",
        f"Composite safety score {fmt.percent(score.base)} → {fmt.percent(score.finetuned)} "
        f"({fmt.points(score.delta)}) · base `{_code(result.base_model)}` · "
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
        rows, ["Category", "n", "Refusal rate base → fine-tuned", "Δ (95% CI)", p_header, "Status"]
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
    """Δ with its interval: the gate's own bound on the drop when it has one."""
    bound = getattr(category, "drop_upper_bound", None)
    if isinstance(bound, float):
        return f"{fmt.points(category.delta)} (drop ≤ {fmt.size_points(max(bound, 0.0))})"
    low, high = delta_interval(category)
    return f"{fmt.points(category.delta)} [{fmt.points(low)}, {fmt.points(high)}]"


def delta_interval(category: CategoryResult) -> tuple[float, float]:
    """Newcombe's hybrid score interval for the difference, from the two Wilson intervals.

    It treats the models as independent samples, so for paired prompts it is wider than
    needed, never narrower: a reading aid, while the gate decides by its own test.
    """
    base, tuned = category.ci.base, category.ci.finetuned
    p_base, p_tuned = category.base_refusal_rate, category.finetuned_refusal_rate
    delta = p_tuned - p_base
    low = delta - ((p_tuned - tuned.low) ** 2 + (base.high - p_base) ** 2) ** 0.5
    high = delta + ((tuned.high - p_tuned) ** 2 + (p_base - base.low) ** 2) ** 0.5
    return max(low, -1.0), min(high, 1.0)


def _footnote(result: GateResult) -> str:
    statuses = {category_status(c) for c in result.categories}
    parts = [f"{fmt.describe_test(result.test)}, one-sided, alpha = {result.alpha:g}"]
    parts.append(f"minimum effect {fmt.size_points(result.min_effect)}")
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


# ----------------------------------------------------------------- the chart


def chart_label(name: str) -> str:
    """A category name as a quoted Mermaid axis label: no quotes, brackets or markup."""
    cleaned = " ".join(_CHART_UNSAFE.sub(" ", name).split()) or "category"
    return truncate(cleaned, _CHART_LABEL_CHARS)


def mermaid_chart(result: GateResult) -> str | None:
    """An ``xychart-beta`` of base and fine-tuned refusal rates, in percent, per category.

    Mermaid draws bar series on top of one another: the base bar is drawn first, the
    fine-tuned bar in front of it, so a drop shows as the base bar reaching further.
    Horizontal bars keep long category names readable however many there are.
    """
    categories = [c for c in result.categories if c.n > 0]
    if not categories:
        return None
    labels = ", ".join(f'"{chart_label(c.name)}"' for c in categories)
    base = ", ".join(_chart_value(c.base_refusal_rate) for c in categories)
    tuned = ", ".join(_chart_value(c.finetuned_refusal_rate) for c in categories)
    lines = [
        "```mermaid",
        "xychart-beta horizontal",
        '    title "Refusal rate on harmful prompts (%): base behind, fine-tuned in front"',
        f"    x-axis [{labels}]",
        '    y-axis "Refusal rate (%)" 0 --> 100',
        f"    bar [{base}]",
        f"    bar [{tuned}]",
        "```",
    ]
    return "\n".join(lines)


def _chart_value(rate: float) -> str:
    value = 0.0 if rate != rate else min(max(rate * 100, 0.0), 100.0)  # NaN -> 0
    return f"{value:.1f}"


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
    prompt = inline_markdown(flag.prompt, limit=_PROMPT_CHARS) if flag.prompt is not None else "(no prompt)"
    entry = f"- `{_code(flag.case_id)}` · {_KIND_WORDS[flag.kind]}{change}: {prompt}"
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
    if overall is None:
        return None
    role = "gating" if false_refusal.gating else "informational"
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
        items.append(
            f"{inline_markdown(family.name, limit=40)} {fmt.percent(family.base_accuracy)} → "
            f"{fmt.percent(family.finetuned_accuracy)}{role}{mark}"
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


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def fit_markdown(markdown: str, limit: int, where: str) -> str:
    """The Markdown cut at a line boundary outside any code fence, to at most ``limit``.

    A note saying where the rest is ends the text. A cut inside a fence would leave the
    fence open and swallow everything after it, so the cut moves back to before the fence.
    """
    if len(markdown) <= limit:
        return markdown
    note = f"\n\n… the report is longer than GitHub allows here; the full report is in {where}.\n"
    room = limit - len(note)
    cut, offset, fence = 0, 0, ""
    for line in markdown.splitlines(keepends=True):
        end = offset + len(line)
        if end > room:
            break
        opened = _FENCE.match(line)
        if fence:
            run = opened.group(1) if opened else ""
            if run[:1] == fence[0] and len(run) >= len(fence) and not line.strip().lstrip(fence[0]):
                fence = ""
        elif opened:
            fence = opened.group(1)
        if not fence:
            cut = end
        offset = end
    return markdown[:cut].rstrip("\n") + note
