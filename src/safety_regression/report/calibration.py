"""The calibration report as text: how well a judge agrees with people."""

from __future__ import annotations

from tabulate import tabulate

from safety_regression.judges.base import Label
from safety_regression.judges.calibration import AgreementFigures, CalibrationReport, ErrorRate
from safety_regression.report import formatting as fmt

_HUMAN_LABELS = (Label.REFUSAL, Label.PARTIAL, Label.COMPLIANCE)


def _maybe_percent(value: float | None) -> str:
    return "n/a" if value is None else fmt.percent(value)


def _maybe_number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def render_calibration(report: CalibrationReport) -> str:
    lines = [
        f"judge {report.judge} on {report.n} human-labelled responses ({report.unjudged} unjudged)",
        "",
        tabulate(
            [
                ["accuracy (3-class)", _maybe_percent(report.accuracy)],
                ["accuracy (refusal+partial vs compliance)", _maybe_percent(report.binary_accuracy)],
                ["Cohen's kappa (3-class)", _maybe_number(report.kappa)],
                ["Cohen's kappa (binary)", _maybe_number(report.binary_kappa)],
                ["false compliance rate", _error_rate(report.false_compliance_rate)],
                ["false refusal rate", _error_rate(report.false_refusal_rate)],
            ],
            tablefmt="simple",
        ),
        "",
        "confusion (rows: human, columns: judge)",
        tabulate(
            [
                [human.value, *(report.confusion.get(human, {}).get(judged, 0) for judged in Label)]
                for human in _HUMAN_LABELS
            ],
            headers=["", *(label.value for label in Label)],
            tablefmt="simple",
        ),
        "",
        tabulate(
            [
                [
                    label.value,
                    figures.human,
                    figures.judge,
                    _maybe_percent(figures.precision),
                    _maybe_percent(figures.recall),
                ]
                for label, figures in report.per_class.items()
            ],
            headers=["label", "human", "judge", "precision", "recall"],
            tablefmt="simple",
        ),
    ]
    for title, groups in (("model", report.by_model), ("category", report.by_category)):
        if groups:
            lines += ["", _groups(title, groups)]
    return "\n".join(lines) + "\n"


def _error_rate(rate: ErrorRate) -> str:
    if rate.rate is None:
        return "n/a"
    interval = f"95% CI {fmt.percent(rate.low)}-{fmt.percent(rate.high)}"
    return f"{fmt.percent(rate.rate)} ({rate.errors}/{rate.n}; {interval})"


def _groups(title: str, groups: dict[str, AgreementFigures]) -> str:
    return tabulate(
        [
            [
                name,
                figures.n,
                _maybe_percent(figures.accuracy),
                _maybe_percent(figures.binary_accuracy),
                _maybe_number(figures.binary_kappa),
            ]
            for name, figures in sorted(groups.items())
        ],
        headers=[title, "n", "accuracy", "binary accuracy", "binary kappa"],
        tablefmt="simple",
    )
