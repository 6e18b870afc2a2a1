"""report.md sections beyond the verdict: capability checks and per-slice breakdowns."""

from __future__ import annotations

from safety_regression.gate.result import Breakdown, CapabilityResult, DepthStat, GateResult, SideRates
from safety_regression.report import formatting as fmt
from safety_regression.report.redact import inline_markdown

_DIMENSION_TITLES = {
    "transform": "adversarial transform",
    "difficulty": "difficulty",
    "language": "language",
    "subcategory": "subcategory",
}


def capability_section(result: GateResult) -> str | None:
    if not result.capability:
        return None
    gating = any(c.gating for c in result.capability)
    role = "gating" if gating else "informational, does not fail the gate"
    rows = [_capability_row(family) for family in result.capability]
    table = fmt.markdown_table(
        rows,
        [
            "Family",
            "n",
            "Base accuracy",
            "Fine-tuned accuracy",
            "Δ",
            "95% CI fine-tuned",
            "p",
            "Flags",
        ],
    )
    return (
        f"### Capability checks ({role})\n\n{table}\n\n"
        "Accuracy is the share of verifiable questions answered correctly; p is one-sided for a drop."
    )


def _capability_row(family: CapabilityResult) -> list[str]:
    flag = ("**REGRESSION**" if family.gating else "regression") if family.regression else ""
    flag = "unproven: errors could hide a drop" if family.unproven_reason else flag
    accuracies = family.accuracies()
    if accuracies is None:
        unproven = "not measured: unproven" if family.gating else "not measured"
        return [inline_markdown(family.name), "0", "not measured", "not measured", "—", "—", "—", unproven]
    base, finetuned, delta = accuracies
    return [
        inline_markdown(family.name),
        str(family.n),
        fmt.percent(base),
        fmt.percent(finetuned),
        fmt.points(delta),
        fmt.interval(family.ci.finetuned),
        fmt.p_value(family.p_value),
        flag,
    ]


def breakdown_section(result: GateResult) -> str | None:
    if not result.breakdowns:
        return None
    parts = [
        "### Harmful prompts by slice",
        "",
        "For diagnosis only: slices never decide the verdict, and with many slices some "
        "p-values are small by chance.",
    ]
    for breakdown in result.breakdowns:
        parts += ["", _breakdown_block(breakdown)]
    return "\n".join(parts)


def _breakdown_block(breakdown: Breakdown) -> str:
    title = _DIMENSION_TITLES.get(breakdown.dimension, breakdown.dimension)
    rows = [
        [
            inline_markdown(row.name),
            str(row.n),
            fmt.percent(row.base_refusal_rate),
            fmt.percent(row.finetuned_refusal_rate),
            fmt.points(row.delta),
            fmt.p_value(row.p_value),
        ]
        for row in breakdown.rows
    ]
    table = fmt.markdown_table(rows, [title.capitalize(), "n", "Base RR", "Fine-tuned RR", "ΔRR", "p"])
    return f"<details><summary>By {title}</summary>\n\n{table}\n\n</details>"


def depth_and_toxicity_section(result: GateResult) -> str | None:
    with_depth = any(c.depth is not None for c in result.categories)
    with_toxicity = any(c.toxicity is not None for c in result.categories)
    if not with_depth and not with_toxicity:
        return None
    headers = ["Category"]
    if with_depth:
        headers += ["Base depth", "Fine-tuned depth", "p", ""]
    if with_toxicity:
        headers += ["Base toxicity", "Fine-tuned toxicity"]
    rows = []
    for c in result.categories:
        row = [inline_markdown(c.name)]
        if with_depth:
            row += _depth_cells(c.depth)
        if with_toxicity:
            row += (
                [fmt.percent(c.toxicity.base_mean), fmt.percent(c.toxicity.finetuned_mean)]
                if c.toxicity
                else ["", ""]
            )
        rows.append(row)
    table = fmt.markdown_table(rows, headers)
    notes = []
    if with_depth:
        notes.append(
            "Depth is the judge's 0-3 rating of how detailed and actionable an answer to a harmful "
            "prompt is (a refusal counts 0), averaged over prompts; p is a one-sided sign test for "
            "deeper answers. A rise is a regression signal even when the refusal rate holds."
        )
    if with_toxicity:
        notes.append("Toxicity is the classifier's mean score of the responses.")
    return f"### How much harmful help was given\n\n{table}\n\n" + " ".join(notes)


def _depth_cells(depth: DepthStat | None) -> list[str]:
    if depth is None:
        return ["", "", "", ""]
    return [
        f"{depth.base_mean:.2f}",
        f"{depth.finetuned_mean:.2f}",
        fmt.p_value(depth.p_value),
        "**deeper**" if depth.rose else "",
    ]


def judge_section(result: GateResult) -> str | None:
    lines = [f"- {inline_markdown(warning)}" for warning in result.warnings]
    accuracy = result.judge_accuracy
    if accuracy is not None:
        measured = (
            f"calibrated on {accuracy.labelled} human-labelled responses (judge.calibration)"
            if accuracy.source == "calibration"
            else f"by its published error rates, measured on {accuracy.labelled} held-out responses of its "
            "development data (no judge.calibration is configured; calibrate on your own labels)"
        )
        lines.append(
            f"- Judge {inline_markdown(accuracy.judge)}, {measured}: calls "
            f"{fmt.percent(accuracy.false_compliance_rate)} of refusals compliance and "
            f"{fmt.percent(accuracy.false_refusal_rate)} of compliances refusal. "
            f"{inline_markdown(accuracy.summary)}"
        )
        if accuracy.base_rates is not None and accuracy.finetuned_rates is not None:
            lines.append(
                f"  - Corrected with {_rates_used(accuracy.base_rates)} for the base model and "
                f"{_rates_used(accuracy.finetuned_rates)} for the fine-tuned model."
            )
        lines += [
            f"  - {inline_markdown(c.statement)} (interval {fmt.interval(c.base_interval)} -> "
            f"{fmt.interval(c.finetuned_interval)}, including the calibration's uncertainty)"
            for c in accuracy.categories
        ]
    if not lines:
        return None
    return "### About the judge\n\n" + "\n".join(lines)


def _rates_used(side: SideRates) -> str:
    if side.source == "model":
        return (
            f"the rates measured on {inline_markdown(side.model)}'s own responses ({side.labelled} labelled)"
        )
    return f"the overall rates (the calibration has none for {inline_markdown(side.model)})"


def reviews_section(result: GateResult) -> str | None:
    """The review decisions behind the numbers: who took which case out of the count (or
    relabelled it), when and why. A case they apply to is not among the flagged cases."""
    if not result.reviews:
        return None
    rows = []
    for review in result.reviews:
        if review.verb == "accept":
            decision = "accepted: out of the regression count"
        else:
            decision = f"relabelled {review.label.value if review.label else '?'}"
        state = ("pivotal" if review.pivotal else "applied") if review.applied else "lapsed: answer changed"
        rows.append(
            [
                inline_markdown(review.case_id, limit=80),
                decision,
                state,
                inline_markdown(review.by, limit=40),
                review.at.strftime("%Y-%m-%d %H:%M UTC"),
                inline_markdown(review.reason, limit=200),
            ]
        )
    applied = sum(review.applied for review in result.reviews)
    return (
        f"### Review decisions ({applied} applied)\n\n"
        "Pull-request review commands applied to these numbers; a lapsed one no longer applies "
        "because the fine-tuned model now answers its case differently.\n\n"
        + fmt.markdown_table(rows, ["Case", "Decision", "State", "By", "At", "Why"])
    )
