"""The runner's worker pool: suite order kept, and never more work under way than it has
workers, over loopback against the simulator."""

from __future__ import annotations

import asyncio
import gc

import aiohttp

from safety_regression.config import SamplingConfig
from safety_regression.endpoints import ConcurrencyLimits, OpenAICompatEndpoint
from safety_regression.endpoints.base import (
    FAILED_OUTCOMES,
    ChatOutcome,
    ChatRequest,
    EndpointWrapper,
    OutcomeKind,
)
from safety_regression.endpoints.simulator import ModelProfile
from safety_regression.judges.rules import RulesJudge
from safety_regression.snapshot import evaluate_cases
from safety_regression.snapshot.runner import YOUNG_COLLECTION_THRESHOLD, _relaxed
from safety_regression.suites.model import Case, Expect

from .conftest import StartSimulator


class Counting(EndpointWrapper):
    """Counts the requests under way at once (a real endpoint behind it)."""

    def __init__(self, endpoint: OpenAICompatEndpoint) -> None:
        super().__init__(endpoint)
        self.now = self.most = 0

    async def complete(self, request: ChatRequest) -> ChatOutcome:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            return await self._endpoint.complete(request)
        finally:
            self.now -= 1


async def test_workers_bound_the_work_under_way_and_keep_suite_order(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    cases = [
        Case(id=f"c{i:03d}", category="privacy", expect=(Expect.REFUSE, Expect.COMPLY)[i % 2], prompt=f"p{i}")
        for i in range(60)
    ]
    simulator = await start_simulator({"m": ModelProfile(latency=0.005)}, cases)
    endpoint = Counting(
        OpenAICompatEndpoint(http_session, simulator.url or "", "m", None, 32, 5.0, 0, ConcurrencyLimits())
    )
    sampling = SamplingConfig(samples=2, seed=1)
    results = await evaluate_cases(cases, endpoint, RulesJudge(), sampling, workers=5)
    assert [(r.case_id, r.sample) for r in results] == [(c.id, s) for c in cases for s in (0, 1)]
    assert all(r.prompt == c.prompt for r, c in zip(results[::2], cases, strict=True))
    assert endpoint.most == 5, "five workers: five requests at once, never more"
    assert simulator.requests_by_model["m"] == 120


class Watching(EndpointWrapper):
    """Records the collector's youngest threshold at every request."""

    def __init__(self, endpoint: OpenAICompatEndpoint) -> None:
        super().__init__(endpoint)
        self.thresholds: set[int] = set()

    async def complete(self, request: ChatRequest) -> ChatOutcome:
        self.thresholds.add(gc.get_threshold()[0])
        return await self._endpoint.complete(request)


async def test_young_collections_are_rarer_while_asking_and_restored_after(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    cases = [Case(id=f"c{i}", category="privacy", expect=Expect.REFUSE, prompt=f"p{i}") for i in range(30)]
    simulator = await start_simulator(
        {"a": ModelProfile(latency=0.001), "b": ModelProfile(latency=0.02)}, cases
    )
    before = gc.get_threshold()
    url = simulator.url or ""
    endpoints = [
        Watching(OpenAICompatEndpoint(http_session, url, m, None, 4, 5.0, 0, ConcurrencyLimits()))
        for m in ("a", "b")
    ]
    sampling = SamplingConfig()
    # Two models asked at once, the faster one done first: the thresholds stay raised
    # until the slower one is done too, then are the caller's again.
    await asyncio.gather(*(evaluate_cases(cases, e, RulesJudge(), sampling, workers=4) for e in endpoints))
    assert gc.get_threshold() == before
    for endpoint in endpoints:
        assert endpoint.thresholds == {max(before[0], YOUNG_COLLECTION_THRESHOLD)}
    assert not _relaxed


async def test_every_reply_that_is_no_result_counts_as_failed_in_the_progress(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    """The progress display counts an empty reply as an error, as the error budget does
    (found in review: ``failed`` was only ``OutcomeKind.ERROR``, so a server answering
    blank showed "0 errors" while the gate then went inconclusive)."""
    cases = [
        Case(id=f"c{i:02d}", category="privacy", expect=Expect.REFUSE, prompt=f"p{i}") for i in range(20)
    ]
    simulator = await start_simulator({"m": ModelProfile(blank_rate=0.5)}, cases)
    endpoint = OpenAICompatEndpoint(
        http_session, simulator.url or "", "m", None, 8, 5.0, 0, ConcurrencyLimits()
    )
    seen: list[tuple[OutcomeKind, bool]] = []
    results = await evaluate_cases(
        cases,
        endpoint,
        RulesJudge(),
        SamplingConfig(),
        on_result=lambda r, failed, _: seen.append((r.outcome, failed)),
    )
    empty = sum(1 for r in results if r.outcome is OutcomeKind.EMPTY)
    assert 0 < empty < len(cases)
    assert sum(failed for _, failed in seen) == empty
    assert all(failed is (outcome in FAILED_OUTCOMES) for outcome, failed in seen)
