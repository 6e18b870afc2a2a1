"""report.md: the gate result as a reviewer reads it, ready to post as a PR comment.

Sections come in reading order: verdict, per-category refusal rates, flagged cases,
false refusals, recommendation, run details. Every piece of text that came from a
model, a suite or a config passes through ``redact`` first, and flagged responses are
withheld unless ``report.show_responses`` is on.
"""

from __future__ import annotations

from safety_regression.config import ReportConfig
from safety_regression.gate.result import (
    CategoryResult,
    FalseRefusal,
    FalseRefusalStat,
    FlaggedCase,
    FlagKind,
    GateResult,
)
from safety_regression.report import formatting as fmt
from safety_regression.report.markdown_sections import (
    breakdown_section,
    capability_section,
    depth_and_toxicity_section,
    judge_section,
    reviews_section,
)
from safety_regression.report.redact import fenced_block, inline_markdown, truncate, withheld_note
from safety_regression.report.usage import usage_section

REPORT_MARKER = "<!-- safety-regression-report -->"
"""Hidden first line, so a later run can find and update its own PR comment."""

MAX_FLAGGED_LISTED = 50
PROMPT_CHARS = 160
_ERROR_MESSAGES_LISTED = 5

_FLAG_KIND_WORDS = {
    FlagKind.LOST_REFUSAL: "lost refusal",
    FlagKind.NEW_FALSE_REFUSAL: "new false refusal",
    FlagKind.LOST_ANSWER: "capability check now failed",
}


def render_markdown(result: GateResult, options: ReportConfig) -> str:
    sections = [
        # The five a reviewer reads first, in their order; then the diagnostics.
        _summary(result),
        _category_section(result),
        _flagged_section(result.flagged, options, max((c.samples for c in result.categories), default=1)),
        reviews_section(result),
        _false_refusal_section(result.false_refusal),
        _recommendation_section(result),
        capability_section(result),
        depth_and_toxicity_section(result),
        judge_section(result),
        breakdown_section(result),
        usage_section(result),
        _run_details(result),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _summary(result: GateResult) -> str:
    word = fmt.verdict_word(result.verdict)
    recommendation = fmt.recommendation_words(result.recommendation.value)
    lines = [
        REPORT_MARKER,
        f"## Safety regression report: {word}",
        "",
        f"**Verdict: {word}.** Recommendation: **{recommendation}**.",
    ]
    for notice in result.notices:
        lines += ["", f"> [!WARNING]\n> **{inline_markdown(notice)}**"]
    if result.reasons:
        lines.append("")
        lines.extend(f"- {inline_markdown(reason)}" for reason in result.reasons)
    score = result.composite_score
    base, finetuned, delta = fmt.composite(score)
    lines += ["", f"**Composite safety score:** {base} (base) -> {finetuned} (fine-tuned), {delta}"]
    return "\n".join(lines)


def _category_section(result: GateResult) -> str:
    heading = "### Refusal rate on harmful prompts, by category"
    if not result.categories:
        return f"{heading}\n\nNo `expect: refuse` cases were compared."
    p_header = "p (Holm)" if result.holm else "p"
    rows = [_category_row(category, result.alpha) for category in result.categories]
    table = fmt.markdown_table(
        rows,
        [
            "Category",
            "Status",
            "n",
            "Base RR",
            "Fine-tuned RR",
            "ΔRR",
            "Drop bound",
            "95% CI base",
            "95% CI fine-tuned",
            p_header,
            "Flags",
        ],
    )
    return f"{heading}\n\n{table}\n\n{_method_line(result)}"


def _category_row(category: CategoryResult, alpha: float) -> list[str]:
    status = fmt.status_word(category)
    clusters = f" ({category.clusters} sources)" if category.clusters != category.n else ""
    return [
        inline_markdown(category.name),
        f"**{status}**" if status == "REGRESSION" else status,
        f"{category.n}{clusters}",
        *fmt.measured(
            category.n,
            [
                fmt.percent(category.base_refusal_rate),
                fmt.percent(category.finetuned_refusal_rate),
                fmt.points(category.delta),
                fmt.drop_bound(category),
                fmt.interval(category.ci.base),
                fmt.interval(category.ci.finetuned),
                fmt.p_value(category.p_adjusted),
            ],
        ),
        _category_flags(category),
    ]


def _category_flags(category: CategoryResult) -> str:
    flags: list[str] = []
    if not category.gating:
        flags.append("non-gating")
    if category.unanswered:
        flags.append(
            f"{fmt.count(category.unanswered, 'case')} not answered (error, blocked or unjudged, "
            "either model; counted against the fine-tuned model when deciding a pass)"
        )
    if category.errors:
        flags.append(fmt.count(category.errors, "error"))
    if category.blocked:
        flags.append(f"{category.blocked} blocked by content filter (refusals in the rates)")
    if category.depth is not None and category.depth.rose:
        flags.append("deeper answers")
    return ", ".join(flags)


def _method_line(result: GateResult) -> str:
    samples = {category.samples for category in result.categories}
    per_prompt = f"; {max(samples)} samples per prompt" if max(samples, default=1) > 1 else ""
    correction = (
        "Holm-adjusted p-values across all gating checks"
        if result.holm
        else "no multiple-comparison correction"
    )
    level = min((c.level for c in result.categories), default=result.alpha)
    return (
        f"Test: {fmt.describe_test(result.test)}, one-sided at alpha = {result.alpha:g}; "
        f"minimum effect {fmt.size_points(result.min_effect)}; {correction}{per_prompt}. "
        "RR is the refusal rate. A category is a REGRESSION when its drop is significant and "
        "at least the minimum effect; it passes when the one-sided "
        f"{(1 - level) * 100:g}% upper bound on its drop (per source prompt) is below the "
        f"margin of {fmt.size_points(result.margin)}; otherwise it is unproven. "
        + fmt.family_wise_sentence(result.gating_checks, result.family_wise_rate, result.alpha, result.holm)
        + fmt.sequential_sentence(result)
    )


def _flagged_section(flagged: list[FlaggedCase], options: ReportConfig, samples: int = 1) -> str:
    heading = f"### Flagged cases ({len(flagged)})"
    # With several samples a prompt can lose some refusals without crossing over.
    majority = (
        f"\n\nWith {samples} samples per prompt, a prompt is flagged when most of its samples "
        "crossed over (a model refused it when at least half its samples were refusals); the "
        "rates above count every sample, so a prompt that lost fewer moves them without being "
        "flagged."
        if samples > 1
        else ""
    )
    if not flagged:
        return f"{heading}\n\nNo prompt changed from a safe answer to an unsafe one.{majority}"
    entries = [_flagged_entry(flag, options) for flag in flagged[:MAX_FLAGGED_LISTED]]
    hidden = len(flagged) - MAX_FLAGGED_LISTED
    if hidden > 0:
        entries.append(f"… and {hidden} more in report.json.")
    return heading + majority + "\n\n" + "\n\n".join(entries)


def _flagged_entry(flag: FlaggedCase, options: ReportConfig) -> str:
    variant = f" (transform {inline_markdown(flag.transform)})" if flag.transform else ""
    header = (
        f"**`{flag.case_id}`**{variant} · {inline_markdown(flag.category)} · "
        f"{_FLAG_KIND_WORDS[flag.kind]}{_label_change(flag)}{fmt.hazards_note(flag.hazards)}"
    )
    prompt = (
        inline_markdown(flag.prompt, limit=PROMPT_CHARS)
        if flag.prompt is not None
        else "(prompt not available)"
    )
    lines = [header, f"Prompt: {prompt}"]
    response = flag.finetuned_response
    if not options.show_responses:
        lines.append(f"Fine-tuned response: {withheld_note(flag)}")
    elif response is None or options.excerpt_chars == 0:
        note = withheld_note(flag, hint="report.excerpt_chars is 0")
        lines.append(f"Fine-tuned response: {note}")
    else:
        excerpt = fenced_block(truncate(response.strip(), options.excerpt_chars))
        lines.append(f"Fine-tuned response:\n\n{excerpt}")
    return "  \n".join(lines)


def _label_change(flag: FlaggedCase) -> str:
    if flag.finetuned_label is None:
        return ""
    if flag.base_label is None:
        if flag.kind is not FlagKind.LOST_REFUSAL:
            return ""
        return f" · no usable base answer (counted a refusal) -> {flag.finetuned_label.value}"
    return f" · {flag.base_label.value} -> {flag.finetuned_label.value}"


def _false_refusal_section(false_refusal: FalseRefusal) -> str:
    role = "gating" if false_refusal.gating else "informational, does not fail the gate"
    heading = f"### False refusals on benign prompts ({role})"
    stats = [false_refusal.overall] if false_refusal.overall is not None else []
    stats += false_refusal.categories
    if false_refusal.unmeasured is not None:
        note = f"Not measured by this judge: {inline_markdown(false_refusal.unmeasured)}."
        return f"{heading}\n\n{note}"
    if not stats:
        note = "The suite has no `expect: comply` cases; false refusals were not measured."
        return f"{heading}\n\n{note}"
    rows = [_false_refusal_row(stat) for stat in stats]
    table = fmt.markdown_table(
        rows,
        [
            "Category",
            "n",
            "Base FRR",
            "Fine-tuned FRR",
            "ΔFRR",
            "95% CI fine-tuned",
            "p",
            "Flags",
        ],
    )
    return (
        f"{heading}\n\n{table}\n\nFRR is the share of benign prompts refused; p is one-sided for an increase."
    )


def _false_refusal_row(stat: FalseRefusalStat) -> list[str]:
    name = "**overall**" if stat.name == "overall" else inline_markdown(stat.name)
    return [
        name,
        str(stat.n),
        *fmt.measured(
            stat.n,
            [
                fmt.percent(stat.base_rate),
                fmt.percent(stat.finetuned_rate),
                fmt.points(stat.delta),
                fmt.interval(stat.ci.finetuned),
                fmt.p_value(stat.p_value),
            ],
        ),
        "more refusals"
        if stat.regression
        else "unproven: errors could hide a rise"
        if stat.unproven_reason
        else "",
    ]


def _recommendation_section(result: GateResult) -> str:
    words = fmt.recommendation_words(result.recommendation.value).capitalize()
    return f"### Recommendation\n\n**{words}.** {inline_markdown(result.recommendation_rule)}"


def _run_details(result: GateResult) -> str:
    lines = [
        "### Run details",
        "",
        f"- Base model: {inline_markdown(result.base_model)}",
        f"- Fine-tuned model: {inline_markdown(result.finetuned_model)}",
        f"- Judge: {inline_markdown(result.judge)}",
        f"- Test: {result.test.value}, alpha {result.alpha:g}, "
        f"Holm correction {'on' if result.holm else 'off'}",
    ]
    if result.suite is not None:
        suite = result.suite
        baseline_note = (
            ""
            if suite.suite_hash == suite.baseline_suite_hash or not suite.baseline_suite_hash
            else f" (baseline snapshot was taken on {inline_markdown(suite.baseline_suite)}, "
            f"{suite.baseline_suite_hash}: {fmt.count(suite.added, 'case')} added, {suite.changed} changed, "
            f"{suite.removed} removed since)"
        )
        lines += [
            f"- Suite: {inline_markdown(suite.suite)} ({suite.suite_hash}), "
            f"{fmt.count(suite.cases, 'case')}{baseline_note}",
            f"- Base results: {suite.from_baseline} from the baseline snapshot, "
            f"{suite.evaluated_live} evaluated live",
        ]
    lines += _error_lines(result)
    if result.drift is not None:
        drift = result.drift
        lines.append(
            f"- Baseline drift: live base model agrees with the snapshot on "
            f"{fmt.percent(drift.agreement)} of {drift.compared} shared cases; refusal rate "
            f"{fmt.percent(drift.snapshot_refusal_rate)} (snapshot) vs "
            f"{fmt.percent(drift.live_refusal_rate)} (live)"
        )
    return "\n".join(lines)


def _error_lines(result: GateResult) -> list[str]:
    errors = result.errors
    state = "**exceeded**" if errors.exceeded else "within budget"
    lines = [
        f"- Errors: {fmt.error_counts(errors)} of "
        f"{errors.requests} requests per model ({fmt.percent(errors.rate)}, budget "
        f"{fmt.percent(errors.budget)}, {state})"
    ]
    if errors.base_empty or errors.finetuned_empty:
        lines.append(
            f"  - of these, empty replies (HTTP 200 with blank content, neither refusal nor "
            f"compliance): base {errors.base_empty}, fine-tuned {errors.finetuned_empty}"
        )
    lines += [
        f"  - {inline_markdown(message, limit=PROMPT_CHARS)}"
        for message in errors.messages[:_ERROR_MESSAGES_LISTED]
    ]
    if errors.disagreements:
        lines.append(
            f"- Disagreements: {fmt.count(errors.disagreements, 'response')} unjudged because "
            "the vote's judges split "
            "evenly (`tie: unjudged`): out of the rates, not errors"
        )
    return lines
