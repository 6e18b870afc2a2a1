"""Client-side rate limits over loopback: wiring from the config, and Retry-After pausing."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from safety_regression.config import EndpointConfig
from safety_regression.endpoints import (
    ChatRequest,
    ConcurrencyLimits,
    ModelProfile,
    OpenAICompatEndpoint,
    OutcomeKind,
)
from safety_regression.suites.model import Case, Expect

from .conftest import StartSimulator

CASES = [
    Case(id=f"b{i}", category="cybersecurity", expect=Expect.COMPLY, prompt=f"benign ask {i}")
    for i in range(4)
]


async def no_backoff(seconds: float) -> None:
    return None


async def test_a_retry_after_pauses_the_whole_endpoint(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    # Every distinct request meets one 429 with Retry-After: 0.3 before it is answered.
    simulator = await start_simulator({"m": ModelProfile(rate_limit_rate=1.0, retry_after=0.3)}, CASES)
    limits = ConcurrencyLimits()
    settings = EndpointConfig(url=simulator.url or "", model="m", requests_per_minute=6000, max_retries=2)
    endpoint = OpenAICompatEndpoint(
        http_session,
        url=settings.url,
        model=settings.model,
        api_key=None,
        concurrency=4,
        timeout=5,
        max_retries=2,
        limits=limits,
        sleep=no_backoff,  # the backoff returns at once: only the limiter's pause can hold a request
        requests_per_minute=settings.requests_per_minute,
    )
    started = time.monotonic()
    outcomes = await asyncio.gather(
        *(endpoint.complete(ChatRequest(messages=c.chat_messages())) for c in CASES)
    )
    elapsed = time.monotonic() - started
    assert [o.kind for o in outcomes] == [OutcomeKind.ANSWERED] * 4
    assert all(o.attempts == 2 for o in outcomes)
    assert elapsed >= 0.3  # the retries waited out the server's Retry-After
    assert simulator.requests_by_model["m"] == 8


async def test_config_limits_reach_the_endpoints_shared_limiter(http_session: aiohttp.ClientSession) -> None:
    limits = ConcurrencyLimits()
    config = EndpointConfig(
        url="http://127.0.0.1:9/v1", model="m", requests_per_minute=120, tokens_per_minute=9000
    )
    model = OpenAICompatEndpoint.from_config(http_session, config, None, limits)
    judge = OpenAICompatEndpoint.from_config(
        http_session, config.model_copy(update={"model": "judge", "requests_per_minute": 5}), None, limits
    )
    limiter = limits.rate_limiter(model.limit_key, None, None)
    assert limiter is not None and judge.limit_key == model.limit_key
    # One server and key, one limiter: the first configured wins, as for concurrency.
    assert (limiter.requests_per_minute, limiter.tokens_per_minute) == (120, 9000)
    unlimited = EndpointConfig(url="http://127.0.0.1:8/v1", model="m")
    other = OpenAICompatEndpoint.from_config(http_session, unlimited, None, limits)
    assert limits.rate_limiter(other.limit_key, None, None) is None
