"""Client-side rate limits and the run's budget meter, on a fake clock."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from safety_regression.config import Price
from safety_regression.endpoints.base import ChatOutcome, ChatRequest, OutcomeKind, Usage
from safety_regression.endpoints.metering import Meter, MeteredEndpoint, estimate_prompt_tokens
from safety_regression.endpoints.ratelimit import MARGIN, WINDOW, RateLimiter, payload_tokens
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


HELD = WINDOW * (1 + MARGIN)
"""How long a start counts: 60.6 s."""


def most_in_any_window(times: list[float], weights: list[int], window: float = WINDOW) -> int:
    """The largest sum of ``weights`` of the ``times`` in any closed window of ``window`` seconds."""
    return max(
        sum(w for t, w in zip(times, weights, strict=True) if first <= t <= first + window) for first in times
    )


async def test_requests_per_minute_allow_a_minute_at_once_then_wait_for_the_first_to_leave() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, None, clock=clock, sleep=clock.sleep)
    started = await times_of(limiter, clock, [0] * 125)
    assert started[:60] == [0.0] * 60
    # Not one a second from the first second on (the old bucket refilled: 61 in 1 s,
    # 120 in the first minute): the 61st waits until the first has left the window.
    assert started[60:120] == pytest.approx([HELD] * 60)
    assert started[120:] == pytest.approx([2 * HELD] * 5)
    assert most_in_any_window(started, [1] * 125) == 60


async def test_requests_per_minute_hold_in_every_window_of_an_uneven_run() -> None:
    clock = FakeClock()
    limiter = RateLimiter(30, None, clock=clock, sleep=clock.sleep)
    started = []
    for gap in itertools.islice(itertools.cycle([0.0, 0.0, 0.7, 0.03, 1.9, 0.2]), 200):
        clock.now += gap  # requests come unevenly: some together, some after a pause
        await limiter.acquire(0)
        started.append(clock.now)
    assert most_in_any_window(started, [1] * 200) == 30


async def test_tokens_per_minute_count_each_requests_weight_in_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, 600, clock=clock, sleep=clock.sleep)
    started = await times_of(limiter, clock, [300, 300, 300, 100, 200, 50])
    # 600 tokens at once; the next 300 wait for the first two to leave, 100 and 200 fit
    # beside it then, and 50 more waits for the window to hold no more than 550.
    assert started == pytest.approx([0.0, 0.0, HELD, HELD, HELD, 2 * HELD])


async def test_tokens_per_minute_hold_in_every_window_with_reported_usage() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, 1000, clock=clock, sleep=clock.sleep)
    started: list[float] = []
    estimates: list[int] = []
    weights: list[int] = []
    for index in range(120):
        estimate = 50 + (index * 37) % 200
        start = await limiter.acquire(estimate)
        started.append(clock.now)
        # Some replies report more than the estimate (it is only characters / 4), some less.
        used = estimate + 60 if index % 3 == 0 else estimate // 2
        limiter.settle(start, used)
        estimates.append(estimate)
        weights.append(max(estimate, used))
        clock.now += 0.5
    assert most_in_any_window(started, estimates) <= 1000
    # Each request was sent only when it fitted beside what the window's earlier ones
    # were known to have used: a reply's overage is counted from when it is reported.
    for last in range(len(started)):
        earlier = [i for i in range(last) if started[i] >= started[last] - WINDOW]
        assert sum(weights[i] for i in earlier) + estimates[last] <= 1000


async def test_reported_usage_above_the_estimate_holds_later_requests_back() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, 600, clock=clock, sleep=clock.sleep)
    first = await limiter.acquire(200)
    limiter.settle(first, 500)  # the prompt was longer in tokens than its characters said
    assert await times_of(limiter, clock, [200]) == pytest.approx([HELD])


async def test_reported_usage_below_the_estimate_frees_nothing() -> None:
    # Providers count a request's max_tokens when it starts: what it did not use is not
    # given back within the minute.
    clock = FakeClock()
    limiter = RateLimiter(None, 600, clock=clock, sleep=clock.sleep)
    first = await limiter.acquire(300)
    limiter.settle(first, 10)
    assert await times_of(limiter, clock, [300, 300]) == pytest.approx([0.0, HELD])


async def test_a_request_larger_than_a_minute_is_sent_alone_in_its_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, 100, clock=clock, sleep=clock.sleep)
    assert await times_of(limiter, clock, [500, 500, 10]) == pytest.approx([0.0, HELD, 2 * HELD])


async def test_retry_after_pauses_every_request() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1000, None, clock=clock, sleep=clock.sleep)
    await limiter.acquire(0)
    limiter.pause(5.0)
    assert await times_of(limiter, clock, [0, 0]) == pytest.approx([5.0, 5.0])


async def test_retry_after_pauses_an_endpoint_without_caps_too() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, None, clock=clock, sleep=clock.sleep)
    assert await limiter.acquire(100) is None and clock.now == 1000.0  # nothing to wait for
    limiter.pause(3.0)
    assert await times_of(limiter, clock, [0, 0]) == pytest.approx([3.0, 3.0])


async def test_the_first_caps_configured_stay() -> None:
    limiter = RateLimiter(None, None)
    limiter.configure(None, None)
    assert not limiter.limited
    limiter.configure(120, None)
    limiter.configure(5, 9000)
    assert (limiter.requests_per_minute, limiter.tokens_per_minute) == (120, None)


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
    assert order == [0, 1, 2] and clock.now - 1000.0 == pytest.approx(HELD)


def test_payload_weight_is_prompt_estimate_plus_max_tokens() -> None:
    payload = {"messages": [{"role": "user", "content": "x" * 40}], "max_tokens": 100}
    assert payload_tokens(payload) == 10 + 100


def request(text: str = "a question", max_tokens: int = 100) -> ChatRequest:
    return ChatRequest(messages=(Message(role="user", content=text),), max_tokens=max_tokens)


def answered(prompt: int, completion: int) -> ChatOutcome:
    return ChatOutcome(
        kind=OutcomeKind.ANSWERED, text="ok", usage=Usage(prompt_tokens=prompt, completion_tokens=completion)
    )


async def test_max_requests_counts_every_attempt_and_stops_before_the_one_that_would_exceed_it() -> None:
    meter = Meter(max_requests=3)
    meter.register("base", None)
    booked = [await meter.reserve("base", 10, 100) for _ in range(2)]
    assert None not in booked
    assert meter.attempt("base") is None  # the first request's first try
    assert meter.attempt("base") is None  # ... and its retry
    assert meter.attempt("base") is None  # the second request
    assert meter.attempt("base") == meter.stopped  # a fourth attempt is not sent
    assert meter.stopped == "run.max_requests of 3 reached after 3 requests"
    for cost in booked:
        assert cost is not None
        meter.settle("base", cost, request(), answered(10, 5))
    assert meter.requests == 3 and meter.usage().roles[0].requests == 3
    assert await meter.reserve("base", 10, 100) is None  # once stopped, nothing more is sent


async def test_max_cost_waits_for_requests_in_flight_to_settle_before_it_stops() -> None:
    price = Price(prompt=1_000_000, completion=2_000_000)  # 1 per prompt token, 2 per completion token
    meter = Meter(max_cost=500)
    meter.register("finetuned", price)
    first = await meter.reserve("finetuned", 10, 100)  # worst case 10 + 200 = 210
    second = await meter.reserve("finetuned", 10, 100)  # 420 booked
    assert first == pytest.approx(210) and second == pytest.approx(210)
    assert first is not None and second is not None
    third = asyncio.create_task(meter.reserve("finetuned", 10, 100))  # 630 would exceed 500
    await asyncio.sleep(0)
    assert not third.done() and meter.stopped is None, "waits, does not stop"
    meter.settle("finetuned", first, request(), answered(10, 20))  # really 50: 50 + 420 fits
    assert await third == pytest.approx(210)
    meter.settle("finetuned", second, request(), answered(10, 20))
    meter.settle("finetuned", 210, request(), answered(10, 20))
    usage = meter.usage()
    assert usage.cost == pytest.approx(3 * (10 + 40)) and usage.stopped is None


async def test_max_cost_stops_when_even_with_nothing_in_flight_the_next_would_not_fit() -> None:
    price = Price(prompt=1_000_000, completion=2_000_000)
    meter = Meter(max_cost=300)
    meter.register("finetuned", price)
    first = await meter.reserve("finetuned", 10, 100)
    assert first is not None and meter.attempt("finetuned") is None
    waiting = asyncio.create_task(meter.reserve("finetuned", 10, 100))
    await asyncio.sleep(0)
    meter.settle("finetuned", first, request(), answered(10, 45))  # spent 100: 100 + 210 > 300
    assert await waiting is None
    assert (
        meter.stopped
        == "run.max_cost of 300 would be exceeded by the next request (spent about 100 on 1 request)"
    )


async def test_a_cancelled_request_gives_its_reservation_back() -> None:
    class Hanging:
        identity = "http://h/v1"
        model = "m"

        async def complete(self, request: ChatRequest) -> ChatOutcome:
            await asyncio.Event().wait()
            raise AssertionError("never answers")

    price = Price(completion=1_000_000)
    meter = Meter(max_cost=150)
    endpoint = MeteredEndpoint(Hanging(), meter, "finetuned", price)
    hanging = asyncio.create_task(endpoint.complete(request()))  # books 100
    await asyncio.sleep(0)
    waiting = asyncio.create_task(meter.reserve("finetuned", 0, 100))
    await asyncio.sleep(0)
    assert not waiting.done()
    hanging.cancel()
    assert await waiting == pytest.approx(100), "the cancelled request's 100 came back"
    assert meter.usage().roles[0].requests == 1, "counted as sent: it may have reached the server"


async def test_judge_roles_are_one_row_and_unreported_usage_is_estimated() -> None:
    meter = Meter()
    meter.register("judge.judges[0].endpoint", None)
    meter.register("judge.judges[1].endpoint", None)
    booked = await meter.reserve("judge.judges[1].endpoint", 5, 10)
    assert booked is not None and meter.attempt("judge.judges[1].endpoint") is None
    meter.settle(
        "judge.judges[1].endpoint",
        booked,
        request("x" * 40),
        ChatOutcome(kind=OutcomeKind.ANSWERED, text="y" * 8),
    )
    (judge,) = meter.usage().roles
    assert judge.role == "judge" and judge.requests == 1 and judge.unreported == 1
    assert judge.prompt_tokens == estimate_prompt_tokens(request("x" * 40)) and judge.completion_tokens == 2
