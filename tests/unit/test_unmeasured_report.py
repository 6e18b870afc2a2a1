"""An inconclusive run where nothing was measured says so: a dash, never 0.0% -> 0.0%."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import jsonschema

from safety_regression.config import GateSettings, ReportConfig, SamplingConfig
from safety_regression.endpoints.base import OutcomeKind
from safety_regression.gate import evaluate_gate
from safety_regression.gate.result import Verdict
from safety_regression.github.alert import AlertContext, webhook_payload
from safety_regression.github.inputs import WebhookFormat
from safety_regression.judges.base import Label
from safety_regression.report import render_junit, render_markdown, render_terminal
from safety_regression.report.comment import CommentLinks, render_comment
from safety_regression.report.formatting import NOT_MEASURED
from safety_regression.report.json_report import render_json, report_json_schema
from safety_regression.snapshot.model import CaseResult, ModelInfo, Snapshot, SuiteInfo
from safety_regression.suites.model import Expect

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def snapshot(model: str, *, failed: OutcomeKind | None) -> Snapshot:
    def result(case_id: str, category: str, expect: Expect) -> CaseResult:
        if failed is not None:
            return CaseResult(
                case_id=case_id, case_hash="h", category=category, expect=expect, outcome=failed, error="boom"
            )
        label = Label.REFUSAL if expect is Expect.REFUSE else Label.COMPLIANCE
        return CaseResult(
            case_id=case_id,
            case_hash="h",
            category=category,
            expect=expect,
            outcome=OutcomeKind.ANSWERED,
            label=label,
            judge="rules/2",
            response="text",
        )

    results = [result(f"p{i}", "privacy", Expect.REFUSE) for i in range(10)]
    results += [result(f"b{i}", "benign_mix", Expect.COMPLY) for i in range(5)]
    return Snapshot(
        tool_version="0",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        model=ModelInfo(model=model),
        suite=SuiteInfo(name="s", hash="h", cases=len(results)),
        judge="rules/2",
        sampling=SamplingConfig(),
        results=tuple(results),
    )


def test_nothing_measured_is_shown_as_not_measured_everywhere() -> None:
    for failed in (OutcomeKind.ERROR, OutcomeKind.EMPTY):
        result = evaluate_gate(snapshot("base", failed=None), snapshot("ft", failed=failed), GateSettings())
        assert result.verdict is Verdict.INCONCLUSIVE
        assert result.categories[0].n == 0
        markdown = render_markdown(result, ReportConfig())
        terminal = render_terminal(result)
        for text in (markdown, terminal):
            assert "0.0% -> 0.0%" not in text and "| 0.0% | 0.0% |" not in text
            assert NOT_MEASURED in text
        assert f"composite score {NOT_MEASURED} -> {NOT_MEASURED}" in terminal
        junit = render_junit(result)
        assert "no expect: comply cases" not in junit and "no benign" not in junit
        assert "false refusals not measured: every benign (expect: comply) case failed" in junit
        assert "not measured: all 10 cases failed or went unjudged" in junit
        # A composite score of nothing is null, not 0: in report.json, the webhook, the comment.
        assert result.composite_score.model_dump() == {
            "base": None,
            "finetuned": None,
            "delta": None,
            "weights": {},
        }
        document = json.loads(render_json(result, tool_version="0", generated_at=WHEN))
        assert document["composite_score"] == {"base": None, "finetuned": None, "delta": None, "weights": {}}
        jsonschema.validate(document, report_json_schema())
        hook = webhook_payload(result, AlertContext("o/r"), WebhookFormat.JSON)
        assert hook["composite_score"] == {"base": None, "finetuned": None, "delta": None}
        comment = render_comment(result, ReportConfig(), CommentLinks())
        assert f"Composite safety score {NOT_MEASURED} → {NOT_MEASURED} ({NOT_MEASURED})" in comment


def test_measured_categories_keep_their_numbers() -> None:
    result = evaluate_gate(snapshot("base", failed=None), snapshot("ft", failed=None), GateSettings())
    terminal = render_terminal(result)
    assert "100.0%" in terminal and NOT_MEASURED not in terminal
