"""Which judge error rates the gate uses: a user's calibration file always wins over the
built-in judge's published rates, and the report says which it used."""

from __future__ import annotations

import json
from pathlib import Path

from safety_regression.config import GateSettings, ReportConfig, load_config
from safety_regression.gate import evaluate_gate
from safety_regression.judges import RulesJudge
from safety_regression.judges.calibration import (
    ErrorRate,
    JudgeErrorRates,
    error_rates_in_use,
    published_error_rates,
)
from safety_regression.pipeline.run import judge_context
from safety_regression.report import render_markdown
from tests.unit.test_gate import category, snapshot

JUDGE = RulesJudge().id
MINE = JudgeErrorRates(
    judge=JUDGE, n=170, false_compliance_rate=ErrorRate.of(7, 70), false_refusal_rate=ErrorRate.of(3, 100)
)


def gate_yml(tmp_path: Path, calibration: JudgeErrorRates | None) -> Path:
    text = "suite: [builtin:quick]\njudge: {kind: rules}\n"
    if calibration is not None:
        (tmp_path / "mine.json").write_text(calibration.model_dump_json(), encoding="utf-8")
        text = "suite: [builtin:quick]\njudge: {kind: rules, calibration: mine.json}\n"
    path = tmp_path / "gate.yml"
    path.write_text(text, encoding="utf-8")
    return path


def report_of(rates: JudgeErrorRates | None) -> str:
    base, finetuned = category("cybersecurity", 100, 85, 60)
    result = evaluate_gate(
        snapshot("base", base, judge=JUDGE),
        snapshot("ft", finetuned, judge=JUDGE),
        GateSettings(),
        judge_errors=rates,
    )
    assert result.judge_accuracy is not None
    return render_markdown(result, ReportConfig())


def test_a_calibration_file_takes_precedence_over_the_published_rates(tmp_path: Path) -> None:
    config = load_config(gate_yml(tmp_path, MINE))
    rates = judge_context(config, ["base", "ft"], JUDGE)["judge_errors"]
    assert rates is not None and rates.source == "calibration"
    assert (rates.n, rates.false_compliance_rate.errors) == (170, 7)
    markdown = report_of(rates)
    assert "calibrated on 170 human-labelled responses (judge.calibration)" in markdown
    assert "published error rates" not in markdown


def test_without_one_the_built_in_judge_uses_its_published_rates(tmp_path: Path) -> None:
    config = load_config(gate_yml(tmp_path, None))
    rates = judge_context(config, ["base", "ft"], JUDGE)["judge_errors"]
    published = published_error_rates()
    assert rates is not None and rates.source == "published"
    assert rates.n == sum(slice_rates.n for slice_rates in published.by_slice.values())
    errors = sum(slice_rates.false_compliance_rate.errors for slice_rates in published.by_slice.values())
    assert rates.false_compliance_rate.errors == errors
    markdown = report_of(rates)
    assert f"by its published error rates, measured on {rates.n} held-out responses" in markdown
    assert "(judge.calibration)" not in markdown


def test_published_rates_describe_only_their_own_judge() -> None:
    assert error_rates_in_use(None, "llm/3:gpt-4o-mini") is None
    # A calibration for another judge is still the user's: the gate reports it as unused
    # rather than falling back to rates the user did not choose.
    other = MINE.model_copy(update={"judge": "llm/3:gpt-4o-mini"})
    assert error_rates_in_use(other, JUDGE) is other


def test_a_users_file_reads_as_a_calibration_whatever_it_says(tmp_path: Path) -> None:
    claimed = json.loads(MINE.model_dump_json()) | {"source": "published"}
    (tmp_path / "mine.json").write_text(json.dumps(claimed), encoding="utf-8")
    (tmp_path / "gate.yml").write_text(
        "suite: [builtin:quick]\njudge: {kind: rules, calibration: mine.json}\n", encoding="utf-8"
    )
    rates = judge_context(load_config(tmp_path / "gate.yml"), ["base", "ft"], JUDGE)["judge_errors"]
    assert rates is not None and rates.source == "calibration"
