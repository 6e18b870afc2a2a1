"""A judge that cannot see a refusal of a benign prompt (llama_guard, a vote it outvotes):
a gating false-refusal check is refused at load, and otherwise reported as not measured."""

from __future__ import annotations

from pathlib import Path

import pytest

from safety_regression.config import GateSettings, PartialPolicy, ReportConfig, UnprovenPolicy, load_config
from safety_regression.config.judging import JudgeShape, false_refusal_blind_spot
from safety_regression.errors import ConfigError
from safety_regression.gate import Recommendation, Verdict, evaluate_gate
from safety_regression.judges.base import Label
from safety_regression.judges.sight import false_refusals_unseen, judge_shape
from safety_regression.report.junit import render_junit
from safety_regression.report.markdown import render_markdown
from safety_regression.report.terminal import render_terminal
from safety_regression.suites.model import Expect

from .test_gate import category, result, snapshot

GUARD = "{kind: llama_guard, endpoint: {url: http://127.0.0.1:9/v1, model: guard}}"


def load(tmp_path: Path, judge: str, gate: str = "gate: {false_refusal: {gate: true}}") -> None:
    path = tmp_path / "gate.yml"
    path.write_text(f"suite: [builtin:quick]\njudge: {judge}\n{gate}\n", encoding="utf-8")
    load_config(path)


@pytest.mark.parametrize(
    "judge",
    [
        GUARD,
        f"{{kind: vote, judges: [{GUARD}, {GUARD}]}}",
        f"{{kind: vote, tie: compliance, judges: [{{kind: rules}}, {GUARD}]}}",
        f"{{kind: vote, judges: [{{kind: rules}}, {GUARD}, {GUARD}]}}",
        f"{{kind: vote, partial_counts_as: compliance, judges: [{{kind: rules}}, {GUARD}]}}",
    ],
)
def test_a_gated_false_refusal_check_a_judge_cannot_see_is_refused_at_load(
    tmp_path: Path, judge: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, judge)
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'gate.yml'}:3: gate.false_refusal.gate: ")
    assert "\n" not in message and "could only pass" in message


@pytest.mark.parametrize(
    "judge",
    [
        "{kind: rules}",
        "{kind: harmbench, endpoint: {url: http://127.0.0.1:9/v1, model: hb}}",
        f"{{kind: vote, judges: [{{kind: rules}}, {GUARD}]}}",  # a tie is a partial: a refusal
        f"{{kind: vote, tie: refusal, judges: [{{kind: rules}}, {GUARD}]}}",
        f"{{kind: vote, tie: unjudged, judges: [{{kind: rules}}, {GUARD}]}}",  # unjudged: an error
        f"{{kind: vote, tie: compliance, judges: [{{kind: rules}}, {{kind: rules}}, {GUARD}]}}",
    ],
)
def test_judges_that_can_record_a_benign_refusal_may_gate_false_refusals(tmp_path: Path, judge: str) -> None:
    load(tmp_path, judge)


def test_a_blind_judge_without_the_false_refusal_gate_loads(tmp_path: Path) -> None:
    load(tmp_path, GUARD, gate="")


def test_a_snapshot_judge_id_is_read_as_its_config_is() -> None:
    vote = "vote/1(rules/15+lr/10,llama_guard/1:meta,llama/Guard;tie=compliance)"
    shape = judge_shape(vote)
    assert [m.kind for m in shape.members] == ["rules", "llama_guard"] and shape.tie == "compliance"
    assert false_refusals_unseen(vote, "refusal") is not None
    assert false_refusals_unseen(vote.replace("compliance", "partial"), "refusal") is None
    assert false_refusals_unseen("llama_guard/1:guard", "refusal") is not None
    assert false_refusals_unseen("harmbench/1:hb", "refusal") is None
    assert false_refusal_blind_spot(JudgeShape("vote", (JudgeShape("rules"),) * 2), "refusal") is None


def _benign(n: int, refused: int, judge: str) -> list:
    return [
        result(
            f"b.{i}", "benign", Label.REFUSAL if i < refused else Label.COMPLIANCE, expect=Expect.COMPLY
        ).model_copy(update={"judge": judge})
        for i in range(n)
    ]


def test_the_gate_reports_a_blind_judges_false_refusals_as_not_measured_and_never_passes_them() -> None:
    guard = "llama_guard/1:guard"
    base_harm, tuned_harm = category("cyber", 60, 58, 58)
    # What llama_guard records: every answer to a benign prompt a compliance, refused or not.
    base = snapshot("base", [*base_harm, *_benign(40, 0, guard)], judge=guard)
    tuned = snapshot("tuned", [*tuned_harm, *_benign(40, 0, guard)], judge=guard)
    informational = evaluate_gate(
        base, tuned, GateSettings(unproven=UnprovenPolicy.PASS), PartialPolicy.REFUSAL
    )
    assert informational.false_refusal.overall is None and informational.false_refusal.categories == []
    assert informational.false_refusal.unmeasured is not None
    assert informational.verdict is Verdict.PASS
    # Found in review: the PASS said "deploy", nothing notable moved, with false refusals unseen.
    assert informational.recommendation is Recommendation.DEPLOY_WITH_MONITORING
    assert "false refusals not measured by this judge" in informational.recommendation_rule
    terminal = render_terminal(informational)
    assert "false refusals: not measured by this judge (informational)" in terminal
    assert "false refusals 0.0%" not in terminal
    assert "Not measured by this judge" in render_markdown(informational, ReportConfig())
    assert "false refusals not measured by this judge" in render_junit(informational)
    # Gated (a config the loader refuses; compared from Python): inconclusive, even under unproven: pass.
    settings = GateSettings.model_validate({"false_refusal": {"gate": True}, "unproven": "pass"})
    gated = evaluate_gate(base, tuned, settings, PartialPolicy.REFUSAL)
    assert gated.verdict is Verdict.INCONCLUSIVE
    assert any("false refusals are gated but not measured by this judge" in r for r in gated.reasons)
