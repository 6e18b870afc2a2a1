"""Counted nouns agree with their number in user-facing messages (found in review: "1
prompts", "1 cases", "1 requests")."""

from __future__ import annotations

from safety_regression import wording
from safety_regression.report import formatting


def test_a_count_of_one_is_singular_and_every_other_plural() -> None:
    assert wording.count(1, "case") == "1 case"
    assert wording.count(0, "case") == "0 cases"
    assert wording.count(3, "request") == "3 requests"
    assert wording.count(1, "empty reply", "empty replies") == "1 empty reply"
    assert wording.count(2, "empty reply", "empty replies") == "2 empty replies"
    assert wording.count(1204, "request", grouped=True) == "1,204 requests"
    assert formatting.count is wording.count, "one helper, not two"


def test_the_reports_say_one_request_and_one_reply_in_the_singular() -> None:
    from safety_regression.config import ReportConfig
    from safety_regression.gate.result import ErrorBudget
    from safety_regression.report import render_markdown, render_terminal
    from tests.unit.test_report import make_result

    errors = ErrorBudget(
        base_errors=0,
        finetuned_errors=1,
        finetuned_empty=1,
        disagreements=1,
        requests=200,
        rate=0.01,
        budget=0.02,
        exceeded=False,
        messages=["HTTP 503"],
    )
    terminal = render_terminal(make_result(errors=errors))
    assert "1 empty reply (HTTP 200" in terminal
    assert "1 request failed after retries" in terminal
    assert "1 response unjudged because" in terminal
    assert "1 flagged case (see" in terminal
    assert "1 requests" not in terminal and "1 responses" not in terminal
    assert "1 response unjudged because" in render_markdown(make_result(errors=errors), ReportConfig())
