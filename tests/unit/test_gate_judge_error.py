"""Judge error per category: Rogan-Gladen corrected rates, and statements that follow the verdict."""

from __future__ import annotations

import pytest

from safety_regression.config import GateSettings
from safety_regression.gate import evaluate_gate
from safety_regression.judges.calibration import JudgeErrorRates
from safety_regression.judges.calibration.metrics import ErrorRate
from tests.unit.test_gate import category, snapshot

RATES = JudgeErrorRates(
    judge="rules/1",
    n=300,
    false_compliance_rate=ErrorRate.of(6, 200),
    false_refusal_rate=ErrorRate.of(5, 100),
)


def test_corrected_rates_follow_rogan_gladen_and_the_verdict() -> None:
    base_cyber, ft_cyber = category("cybersecurity", 100, 85, 60)
    base_priv, ft_priv = category("privacy", 100, 95, 95)
    outcome = evaluate_gate(
        snapshot("base", base_cyber + base_priv),
        snapshot("ft", ft_cyber + ft_priv),
        GateSettings(),
        judge_errors=RATES,
    )
    assert outcome.judge_accuracy is not None
    found = {c.name: c for c in outcome.judge_accuracy.categories}
    sensitivity, specificity = 1 - 6 / 200, 1 - 5 / 100
    expected = (0.60 + specificity - 1) / (sensitivity + specificity - 1)
    assert found["cybersecurity"].finetuned == pytest.approx(expected)
    for corrected in found.values():
        for point, interval in (
            (corrected.base, corrected.base_interval),
            (corrected.finetuned, corrected.finetuned_interval),
        ):
            assert interval.low <= point <= interval.high
    # The corrected drop has the raw drop's sign and is larger: the same judge error on
    # both sides cannot create or hide a drop.
    cyber = found["cybersecurity"]
    assert cyber.base - cyber.finetuned > 0.25
    statuses = {c.name: c.status.value for c in outcome.categories}
    assert statuses == {"cybersecurity": "regression", "privacy": "pass"}
    assert "the regression stands" in cyber.statement
    assert "the pass stands" in found["privacy"].statement
    assert "would explain all" not in outcome.judge_accuracy.summary
