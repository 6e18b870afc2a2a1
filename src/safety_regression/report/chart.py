"""The comment's chart: a Mermaid ``xychart-beta`` of the two refusal rates per category.

Pure: a GateResult in, Mermaid text out. Category names become quoted axis labels with
every character that could end or bend the label removed.
"""

from __future__ import annotations

import re

from safety_regression.gate.result import GateResult
from safety_regression.report.redact import truncate

_CHART_LABEL_CHARS = 20
# Characters that would end or bend a quoted Mermaid label.
_CHART_UNSAFE = re.compile(r"[^A-Za-z0-9 _.+/-]")


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
