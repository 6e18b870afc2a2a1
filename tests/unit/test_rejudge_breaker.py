"""Re-judging a baseline under a run's circuit breaker (``pipeline/rejudge.py``)."""

from __future__ import annotations

import asyncio

from safety_regression.endpoints.guard import RunGuard
from safety_regression.judges.base import Judgement, Label
from safety_regression.pipeline.rejudge import rejudge
from safety_regression.snapshot import CaseResult
from safety_regression.suites.model import Case, Expect
from tests.unit.test_gate import result, snapshot


class DownJudge:
    """A judge whose every verdict is unjudged (its endpoint is down), four requests at
    a time (its endpoint's concurrency limit), counting the requests it sends."""

    id = "llm/3:down"

    def __init__(self) -> None:
        self.calls = 0
        self._slots = asyncio.Semaphore(4)

    async def judge(self, case: Case, response: str) -> Judgement:
        async with self._slots:
            self.calls += 1
            await asyncio.sleep(0.001)
        return Judgement(label=Label.UNJUDGED, judge=self.id)


def _answered(count: int) -> list[CaseResult]:
    return [
        result(f"c{i}", "privacy", Label.REFUSAL).model_copy(update={"response": "I can't help with that."})
        for i in range(count)
    ]


def test_a_judge_that_is_down_trips_the_breaker_and_the_rest_are_not_asked() -> None:
    guard = RunGuard(deadline=None, error_budget=0.02)
    guard.plan("base", 200)
    judge = DownJudge()
    rejudged = asyncio.run(rejudge(snapshot("base", _answered(200)), judge, "baseline.json", guard=guard))
    assert guard.stopped is not None
    assert guard.stopped.startswith("base: 5 of 200 requests failed or went unjudged")
    assert judge.calls < 20, judge.calls
    assert rejudged.judge == judge.id
    assert {r.label for r in rejudged.results} == {Label.UNJUDGED}, "never the other judge's label"


def test_nothing_to_re_judge_under_a_breaker_is_no_error() -> None:
    guard = RunGuard(deadline=None, error_budget=0.02)
    capability = result("cap", "benign", Label.COMPLIANCE, expect=Expect.ANSWER)
    rejudged = asyncio.run(rejudge(snapshot("base", [capability]), DownJudge(), "baseline.json", guard=guard))
    assert rejudged.results == (capability,) and guard.stopped is None
