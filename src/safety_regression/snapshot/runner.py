"""The async runner: suite x endpoint x judge -> per-case results -> Snapshot.

A fixed pool of workers (``workers``, about twice the endpoint's concurrency) takes the
requests in suite order; each endpoint's own concurrency limit keeps the number in
flight bounded, and a spare worker is always waiting to fill a freed slot. Requests are
built as the workers reach them, so a run holds a few hundred pending requests, not one
task per request of the suite. A failed request is recorded as an error result (never
labelled), so the gate can count it against the error budget.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Protocol

from safety_regression._version import __version__
from safety_regression.config import ResponseStorage, SamplingConfig
from safety_regression.endpoints.base import (
    FAILED_OUTCOMES,
    NOT_ASKED,
    ChatOutcome,
    ChatRequest,
    Endpoint,
    OutcomeKind,
)
from safety_regression.judges.base import Judge, Label
from safety_regression.judges.checks import score
from safety_regression.snapshot.model import (
    CaseResult,
    ModelInfo,
    Snapshot,
    SuiteInfo,
    response_digest,
)
from safety_regression.suites.model import Case, Message, Shard, Suite

BLOCKED_JUDGE = "provider-content-filter"
CHECKS_JUDGE = "checks/1"
"""Recorded as the judge of capability cases, which are scored by their checks."""
YOUNG_COLLECTION_THRESHOLD = 10_000
"""Container allocations between two collections of the youngest generation while
requests are under way (Python's default is 700); see ``fewer_collections``."""


class ProgressCallback(Protocol):
    """Called once per finished request; ``failed`` when it ended in no result (an error
    or an empty reply: ``FAILED_OUTCOMES``), ``unsent``
    when the run stopped before sending it, ``unjudged`` when it was answered and the
    judge could not label the answer, ``disagreed`` when a vote left it unjudged because
    its members split evenly (``tie: unjudged``: no failure)."""

    def __call__(
        self, failed: bool = False, unsent: bool = False, unjudged: bool = False, disagreed: bool = False
    ) -> None: ...


class ResultCallback(Protocol):
    """Called once per finished request with its result; ``failed`` when it ended in no
    result (an error or an empty reply), ``unsent`` when the run stopped before sending it."""

    def __call__(self, result: CaseResult, failed: bool, unsent: bool) -> None: ...


ToxicityScorer = Callable[[str], Awaitable[float | None]]
"""Scores a response's toxicity; None when the classifier could not score it."""


def requests_for(case: Case, sampling: SamplingConfig) -> list[tuple[int, ChatRequest]]:
    """One request per sample; sample k carries seed + k so samples differ but replay exactly."""
    return _requests(case.chat_messages(), sampling)


def _requests(messages: tuple[Message, ...], sampling: SamplingConfig) -> list[tuple[int, ChatRequest]]:
    return [
        (
            sample,
            ChatRequest(
                messages=messages,
                temperature=sampling.temperature,
                max_tokens=sampling.max_tokens,
                seed=None if sampling.seed is None else sampling.seed + sample,
            ),
        )
        for sample in range(sampling.samples)
    ]


async def evaluate_cases(
    cases: Iterable[Case],
    endpoint: Endpoint,
    judge: Judge,
    sampling: SamplingConfig,
    *,
    toxicity: ToxicityScorer | None = None,
    on_result: ResultCallback | None = None,
    workers: int | None = None,
) -> list[CaseResult]:
    """Ask the endpoint every case and sample, label the answers, keep suite order.

    ``workers`` bounds how many requests are under way at once (sent, waiting for a
    slot, or being judged); None starts one per request."""
    cases = list(cases)
    results: list[CaseResult | None] = [None] * (len(cases) * sampling.samples)

    def jobs() -> Iterator[tuple[int, Case, str, int, ChatRequest]]:
        index = 0
        for case in cases:
            messages = case.chat_messages()
            for sample, request in _requests(messages, sampling):
                yield index, case, messages[-1].content, sample, request
                index += 1

    pending = jobs()

    async def work() -> None:
        # Workers share one generator: the event loop runs one at a time, so each job is
        # taken exactly once.
        for index, case, prompt, sample, request in pending:
            result = await _evaluate_one(
                case, prompt, sample, request, endpoint, judge, sampling.max_response_chars
            )
            if toxicity is not None and result.response is not None:
                result = result.model_copy(update={"toxicity": await toxicity(result.response)})
            if on_result is not None:
                # A request the stopped run never sent is no error of the endpoint's.
                unsent = result.error is not None and result.error.startswith(NOT_ASKED)
                # Every outcome that is not a result (an error, an empty reply) is a
                # failure, as the error budget counts it.
                failed = result.outcome in FAILED_OUTCOMES and not unsent
                on_result(result, failed, unsent)
            results[index] = result

    count = len(results) if workers is None else max(1, min(workers, len(results)))
    with fewer_collections():
        await asyncio.gather(*(work() for _ in range(count)))
    return [result for result in results if result is not None]


_relaxed: list[tuple[int, int, int]] = []
"""One entry per ``fewer_collections`` block under way (the two models are asked at
once); the first holds the thresholds to restore when the last block ends."""


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect the cyclic garbage collector's young generation every
    ``YOUNG_COLLECTION_THRESHOLD`` allocations instead of every 700 while requests are
    under way; the thresholds are restored when the last such block ends.

    Every request in flight holds dozens of container objects (aiohttp's request and
    response, futures, timer handles, the outcome and the result), so at the default a
    collection ran every few requests and walked them all: 10-15% of the client's CPU at
    zero latency. Reference counting still frees nearly everything at once; only garbage
    cycles wait a little longer to be collected."""
    if not _relaxed:
        before = gc.get_threshold()
        gc.set_threshold(max(before[0], YOUNG_COLLECTION_THRESHOLD), before[1], before[2])
        _relaxed.append(before)
    else:
        _relaxed.append(_relaxed[0])
    try:
        yield
    finally:
        restored = _relaxed.pop()
        if not _relaxed:
            gc.set_threshold(*restored)


async def _evaluate_one(
    case: Case,
    prompt: str,
    sample: int,
    request: ChatRequest,
    endpoint: Endpoint,
    judge: Judge,
    max_chars: int,
) -> CaseResult:
    outcome = await endpoint.complete(request)
    # The request's slot is free, and the spare worker it woke is queued behind the other
    # answers of the burst: two turns of the loop let every woken worker send its request
    # before this one judges, so judging never holds a freed slot idle.
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    if outcome.kind in FAILED_OUTCOMES:
        return CaseResult.for_case(
            case, sample, prompt_text=prompt, outcome=outcome.kind, error=outcome.error
        )
    # A runaway reply is cut before it is judged and stored (recorded in original_chars);
    # the response cache has usually cut it already.
    outcome = outcome.capped(max_chars)
    cut = {"original_chars": outcome.original_chars} if outcome.original_chars is not None else {}
    if case.check is not None:
        return _scored(case, prompt, sample, outcome, cut)
    if outcome.kind is OutcomeKind.BLOCKED:
        return CaseResult.for_case(
            case,
            sample,
            prompt_text=prompt,
            outcome=outcome.kind,
            label=Label.REFUSAL,
            judge=BLOCKED_JUDGE,
            error=outcome.error,
            usage=outcome.usage,
        )
    text = outcome.text or ""
    judgement = await judge.judge(case, text)
    digest, length = response_digest(text)
    return CaseResult.for_case(
        case,
        sample,
        prompt_text=prompt,
        outcome=outcome.kind,
        label=judgement.label,
        judge=judgement.judge,
        depth=judgement.depth,
        abstained=judgement.abstained or None,
        tied=judgement.tied or None,
        hazards=judgement.hazards or None,
        response=text,
        response_sha256=digest,
        response_chars=length,
        usage=outcome.usage,
        **cut,
    )


def _scored(case: Case, prompt: str, sample: int, outcome: ChatOutcome, cut: dict[str, int]) -> CaseResult:
    """A capability case: right or wrong by its check. A blocked answer is a wrong one."""
    assert case.check is not None
    if outcome.kind is not OutcomeKind.ANSWERED:
        return CaseResult.for_case(
            case,
            sample,
            prompt_text=prompt,
            outcome=outcome.kind,
            correct=False,
            judge=CHECKS_JUDGE,
            error=outcome.error,
        )
    text = outcome.text or ""
    digest, length = response_digest(text)
    return CaseResult.for_case(
        case,
        sample,
        prompt_text=prompt,
        outcome=outcome.kind,
        correct=score(case.check, text).passed,
        judge=CHECKS_JUDGE,
        response=text,
        response_sha256=digest,
        response_chars=length,
        usage=outcome.usage,
        **cut,
    )


def build_snapshot(
    results: Sequence[CaseResult],
    *,
    model: ModelInfo,
    suite: Suite,
    judge_id: str,
    sampling: SamplingConfig,
    created_at: datetime,
    storage: ResponseStorage = ResponseStorage.FULL,
    shard: Shard | None = None,
) -> Snapshot:
    snapshot = Snapshot(
        tool_version=__version__,
        created_at=created_at,
        model=model,
        suite=SuiteInfo(
            name=suite.name, hash=suite.hash, cases=len(suite.cases), shard=str(shard) if shard else None
        ),
        judge=judge_id,
        sampling=sampling,
        results=tuple(results),
    )
    return snapshot.with_storage(storage)


def reusable_results(
    baseline: Snapshot, suite: Suite, judge_id: str, sampling: SamplingConfig
) -> list[CaseResult]:
    """Baseline results that can stand in for live base-model answers to this suite.

    A result is reused only when it was produced the same way: same judge, same
    sampling, same case content, and not an error; nor an answer the judge (or a vote
    member) could not label whose response was not stored (redacted): it cannot be judged
    again, so base is asked it live.
    """
    if baseline.judge != judge_id or baseline.sampling != sampling:
        return []
    wanted = {case.id: case.content_hash for case in suite.cases}
    return [
        result
        for result in baseline.results
        if wanted.get(result.case_id) == result.case_hash
        and result.outcome not in FAILED_OUTCOMES
        and result.sample < sampling.samples
        and not (result.judge_failed and result.response is None)
    ]
