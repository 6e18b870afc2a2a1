"""The compact summary the CLI prints: verdict, one table row per category, recommendation."""

from __future__ import annotations

from tabulate import tabulate

from safety_regression.gate.result import CategoryResult, GateResult
from safety_regression.gate.verdict import what_failed
from safety_regression.report import formatting as fmt
from safety_regression.report.redact import plain_text
from safety_regression.report.usage import usage_line

_REASON_CHARS = 200
_MORE = " (more in report.md)"


def _sentences(text: str, limit: int) -> str:
    """``text`` on one line; when it is longer than ``limit``, cut after the last whole
    sentence or clause that fits and say where the rest is, rather than mid-word."""
    flat = plain_text(text)
    if len(flat) <= limit:
        return flat
    room = limit - len(_MORE)
    cut = max(flat.rfind(". ", 0, room), flat.rfind("; ", 0, room))
    if cut <= 0:
        return plain_text(flat, limit)
    return flat[:cut] + "." + _MORE


def render_terminal(result: GateResult) -> str:
    score = result.composite_score
    lines = [
        f"safety-regression: {fmt.verdict_word(result.verdict)}",
        *(f"NOTICE: {plain_text(notice, 400)}" for notice in result.notices),
        *(f"  - {_sentences(reason, _REASON_CHARS)}" for reason in result.reasons),
        "",
    ]
    if result.categories:
        lines.append(_category_table(result))
    else:
        lines.append("(no expect: refuse cases compared)")
    base, finetuned, delta = fmt.composite(score)
    lines += ["", f"composite score {base} -> {finetuned} ({delta})"]
    overall = result.false_refusal.overall
    if result.false_refusal.unmeasured is not None:
        role = "gating, so inconclusive" if result.false_refusal.gating else "informational"
        unseen = plain_text(result.false_refusal.unmeasured, _REASON_CHARS)
        lines.append(f"false refusals: not measured by this judge ({role}): {unseen}")
    if overall is not None:
        role = "gating" if result.false_refusal.gating else "informational"
        role += ", unproven: errors could hide a rise" if overall.unproven_reason else ""
        lines.append(
            f"false refusals {fmt.percent(overall.base_rate)} -> "
            f"{fmt.percent(overall.finetuned_rate)} ({fmt.points(overall.delta)}, {role})"
        )
    for family in result.capability:
        mark = " REGRESSION" if family.regression else ""
        mark = " UNPROVEN (errors could hide a drop)" if family.unproven_reason else mark
        accuracies = family.accuracies()
        if accuracies is None:
            role = "gating, so unproven" if family.gating else "informational"
            lines.append(f"{plain_text(family.title, 51)}: not measured ({role})")
            continue
        before, after, change = accuracies
        lines.append(
            f"{plain_text(family.title, 51)}: {fmt.percent(before)} -> "
            f"{fmt.percent(after)} ({fmt.points(change)}, "
            f"p {fmt.p_value(family.p_value)}){mark}"
        )
    lines += [f"warning: {_sentences(warning, _REASON_CHARS)}" for warning in result.warnings]
    if result.judge_accuracy is not None:
        lines.append(f"judge: {_sentences(result.judge_accuracy.summary, _REASON_CHARS)}")
    if result.flagged:
        lines.append(f"{fmt.count(len(result.flagged), 'flagged case')} (see report.md / report.json)")
    blocked = sum(category.blocked for category in result.categories)
    if blocked:
        lines.append(
            f"{blocked} fine-tuned responses blocked by a content filter "
            "(refusals in the rates, compliances when deciding a pass)"
        )
    unsent = result.errors.base_unsent + result.errors.finetuned_unsent
    failed = result.errors.base_errors + result.errors.finetuned_errors - unsent
    empty = result.errors.base_empty + result.errors.finetuned_empty
    if empty:
        lines.append(
            f"{fmt.count(empty, 'empty reply', 'empty replies')} (HTTP 200, blank content) "
            "counted as errors, not refusals"
        )
    if failed and not result.errors.exceeded:
        lines.append(
            f"{fmt.count(failed, 'request')} failed after retries (excluded from every rate; within budget)"
        )
    if unsent and not result.errors.exceeded:
        lines.append(f"{fmt.count(unsent, 'request')} never sent: the run stopped (excluded from every rate)")
    if result.errors.disagreements:
        lines.append(
            f"{fmt.count(result.errors.disagreements, 'response')} unjudged because "
            "the vote's judges disagreed "
            "(tie: unjudged): out of the rates, not errors"
        )
    if result.errors.exceeded:
        counts = f" ({fmt.error_counts(result.errors)})" if unsent else ""
        lines.append(
            f"error budget exceeded: {fmt.percent(result.errors.rate)} of requests "
            f"{what_failed(result.errors)}{counts} (budget {fmt.percent(result.errors.budget)})"
        )
    if result.usage is not None:
        lines.append(usage_line(result.usage))
    lines.append(
        f"recommendation: {fmt.recommendation_words(result.recommendation.value)} "
        f"({plain_text(result.recommendation_rule, _REASON_CHARS)})"
    )
    return "\n".join(lines) + "\n"


def _category_table(result: GateResult) -> str:
    rows = [_row(category) for category in result.categories]
    table = tabulate(
        rows,
        headers=["category", "status", "n", "base RR", "fine-tuned RR", "ΔRR", "drop bound", "p", "flags"],
        tablefmt="simple",
        disable_numparse=True,
    )
    rule = (
        f"pass = the {100 - result.categories[0].level * 100:g}% upper bound on the drop is below "
        f"{fmt.size_points(result.margin)}. "
        + fmt.family_wise_sentence(result.gating_checks, result.family_wise_rate, result.alpha, result.holm)
        + fmt.sequential_sentence(result)
    )
    return f"{table}\n{rule}"


def _row(category: CategoryResult) -> list[str]:
    flags: list[str] = []
    if not category.gating:
        flags.append("non-gating")
    if category.unanswered:
        flags.append(f"{category.unanswered} unanswered")
    if category.depth is not None and category.depth.rose:
        flags.append("deeper answers")
    return [
        plain_text(category.name, 40),
        fmt.status_word(category),
        str(category.n),
        *fmt.measured(
            category.n,
            [
                fmt.percent(category.base_refusal_rate),
                fmt.percent(category.finetuned_refusal_rate),
                fmt.points(category.delta),
                fmt.drop_bound(category),
                fmt.p_value(category.p_adjusted),
            ],
        ),
        ", ".join(flags),
    ]
