"""Client-side rate limits and the run's budget meter, on a fake clock."""

from __future__ import annotations

import asyncio

import pytest

from safety_regression.config import Price
from safety_regression.endpoints.base import ChatOutcome, ChatRequest, OutcomeKind, Usage
from safety_regression.endpoints.metering import Meter, estimate_prompt_tokens
from safety_regression.endpoints.ratelimit import RateLimiter, payload_tokens
from safety_regression.suites.model import Message


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def times_of(limiter: RateLimiter, clock: FakeClock, weights: list[int]) -> list[float]:
    started = []
    for weight in weights:
        await limiter.acquire(weight)
        started.append(clock.now - 1000.0)
    return started


async def test_requests_per_minute_allow_a_minute_at_once_then_the_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, None, clock=clock, sleep=clock.sleep)
    started = await times_of(limiter, clock, [0] * 63)
    assert started[:60] == [0.0] * 60
    assert started[60:] == pytest.approx([1.0, 2.0, 3.0])


async def test_tokens_per_minute_count_each_requests_weight() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, 600, clock=clock, sleep=clock.sleep)
    started = await times_of(limiter, clock, [300, 300, 300, 100])
    # 600 tokens at once, then 10 tokens a second: 300 more after 30 s, 100 more after 10 s.
    assert started == pytest.approx([0.0, 0.0, 30.0, 40.0])


async def test_a_request_larger_than_a_minute_waits_for_a_full_bucket_only() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, 100, clock=clock, sleep=clock.sleep)
    assert await times_of(limiter, clock, [500, 500]) == pytest.approx([0.0, 60.0])


async def test_retry_after_pauses_every_request() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1000, None, clock=clock, sleep=clock.sleep)
    await limiter.acquire(0)
    limiter.pause(5.0)
    assert await times_of(limiter, clock, [0, 0]) == pytest.approx([5.0, 5.0])


async def test_concurrent_waiters_are_served_in_turn() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, None, clock=clock, sleep=clock.sleep)
    for _ in range(60):
        await limiter.acquire(0)
    order: list[int] = []

    async def ask(number: int) -> None:
        await limiter.acquire(0)
        order.append(number)

    await asyncio.gather(*(ask(n) for n in range(3)))
    assert order == [0, 1, 2] and clock.now - 1000.0 == pytest.approx(3.0)


def test_payload_weight_is_prompt_estimate_plus_max_tokens() -> None:
    payload = {"messages": [{"role": "user", "content": "x" * 40}], "max_tokens": 100}
    assert payload_tokens(payload) == 10 + 100


def request(text: str = "a question", max_tokens: int = 100) -> ChatRequest:
    return ChatRequest(messages=(Message(role="user", content=text),), max_tokens=max_tokens)


def answered(prompt: int, completion: int) -> ChatOutcome:
    return ChatOutcome(
        kind=OutcomeKind.ANSWERED, text="ok", usage=Usage(prompt_tokens=prompt, completion_tokens=completion)
    )


def test_max_requests_stops_before_the_request_that_would_exceed_it() -> None:
    meter = Meter(max_requests=3)
    meter.register("base", None)
    booked = [meter.reserve("base", 10, 100) for _ in range(3)]
    assert None not in booked
    assert meter.reserve("base", 10, 100) is None  # in flight count too
    assert meter.stopped is not None and "run.max_requests of 3" in meter.stopped
    for cost in booked:
        assert cost is not None
        meter.settle("base", cost, request(), answered(10, 5))
    assert meter.requests == 3
    assert meter.reserve("base", 10, 100) is None  # once stopped, nothing more is sent


def test_max_cost_books_the_worst_case_and_settles_on_reported_usage() -> None:
    price = Price(prompt=1_000_000, completion=2_000_000)  # 1 per prompt token, 2 per completion token
    meter = Meter(max_cost=500)
    meter.register("finetuned", price)
    first = meter.reserve("finetuned", 10, 100)  # worst case 10 + 200 = 210
    second = meter.reserve("finetuned", 10, 100)  # 420 booked
    assert first == pytest.approx(210) and second == pytest.approx(210)
    assert meter.reserve("finetuned", 10, 100) is None  # 630 would exceed 500
    assert meter.stopped is not None and "run.max_cost of 500" in meter.stopped
    meter.settle("finetuned", first, request(), answered(10, 20))
    meter.settle("finetuned", second, request(), answered(10, 20))
    usage = meter.usage()
    assert usage.cost == pytest.approx(2 * (10 + 40)) and usage.cost <= 500
    assert usage.stopped == meter.stopped


def test_judge_roles_are_one_row_and_unreported_usage_is_estimated() -> None:
    meter = Meter()
    meter.register("judge.judges[0].endpoint", None)
    meter.register("judge.judges[1].endpoint", None)
    booked = meter.reserve("judge.judges[1].endpoint", 5, 10)
    assert booked is not None
    meter.settle(
        "judge.judges[1].endpoint",
        booked,
        request("x" * 40),
        ChatOutcome(kind=OutcomeKind.ANSWERED, text="y" * 8),
    )
    (judge,) = meter.usage().roles
    assert judge.role == "judge" and judge.requests == 1 and judge.unreported == 1
    assert judge.prompt_tokens == estimate_prompt_tokens(request("x" * 40)) and judge.completion_tokens == 2
