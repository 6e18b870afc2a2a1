"""Client-side rate limits over loopback: wiring from the config, and Retry-After pausing."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest

from safety_regression.config import EndpointConfig
from safety_regression.endpoints import (
    ChatRequest,
    ConcurrencyLimits,
    ModelProfile,
    OpenAICompatEndpoint,
    OutcomeKind,
)
from safety_regression.endpoints.ratelimit import payload_tokens
from safety_regression.suites.model import Case, Expect, Message

from .cli_support import ThreadedSimulator, cli, write_config, write_suite
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
    assert judge.limit_key == model.limit_key
    # One server and key, one limiter: the first configured wins, as for concurrency.
    assert (limiter.requests_per_minute, limiter.tokens_per_minute) == (120, 9000)
    unlimited = EndpointConfig(url="http://127.0.0.1:8/v1", model="m")
    other = OpenAICompatEndpoint.from_config(http_session, unlimited, None, limits)
    # An endpoint without caps still has a limiter: it pauses for a Retry-After.
    assert not limits.rate_limiter(other.limit_key, None, None).limited
    # Caps named by a later endpoint of the key apply when the first named none.
    capped = OpenAICompatEndpoint.from_config(
        http_session, unlimited.model_copy(update={"requests_per_minute": 7}), None, limits
    )
    assert limits.rate_limiter(capped.limit_key, None, None).requests_per_minute == 7


def most_in_any_window(arrivals: list[float], window: float) -> int:
    """The most arrivals in any closed window of ``window`` seconds."""
    return max(sum(1 for t in arrivals if first <= t <= first + window) for first in arrivals)


def endpoint_of(
    session: aiohttp.ClientSession, url: str, limits: ConcurrencyLimits, **settings: int
) -> OpenAICompatEndpoint:
    return OpenAICompatEndpoint(
        session,
        url=url,
        model="m",
        api_key=None,
        concurrency=8,
        timeout=5,
        max_retries=0,
        limits=limits,
        **settings,
    )


async def warm_up(session: aiohttp.ClientSession, url: str, connections: int) -> None:
    """Open ``connections`` pooled connections to the simulator first, through another key
    (its own limiter): the first burst would otherwise wait for new connections and reach
    the server later than the next burst does, blurring the window the test measures."""
    limits = ConcurrencyLimits()
    warm = OpenAICompatEndpoint(session, url, "w", "warm-up", connections, 5, 0, limits)
    await asyncio.gather(*(warm.complete(request) for request in asks(connections, "warm-up")))


def asks(count: int, content: str = "benign ask") -> list[ChatRequest]:
    return [
        ChatRequest(messages=(Message(role="user", content=f"{content} {i}"),), max_tokens=10)
        for i in range(count)
    ]


async def test_requests_per_minute_hold_in_every_window_at_the_server(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    # Found in review: requests_per_minute 30 let 31 requests through in the first second
    # and 60 in the first minute (a bucket that started full and refilled). A window of
    # 1.5 s stands in for the minute; the arrivals are timed by the simulator.
    window = 1.5
    simulator = await start_simulator({"m": ModelProfile(latency=0.01), "w": ModelProfile()}, CASES)
    await warm_up(http_session, simulator.url or "", 3)
    endpoint = endpoint_of(
        http_session, simulator.url or "", ConcurrencyLimits(window=window), requests_per_minute=3
    )
    started = time.monotonic()
    outcomes = await asyncio.gather(*(endpoint.complete(request) for request in asks(8)))
    elapsed = time.monotonic() - started
    assert [o.kind for o in outcomes] == [OutcomeKind.ANSWERED] * 8
    arrivals = simulator.arrivals_by_model["m"]
    assert len(arrivals) == 8
    assert most_in_any_window(arrivals, window) == 3
    assert elapsed >= 2 * window  # 3, then 3 a window later, then 2


async def test_tokens_per_minute_hold_in_every_window_at_the_server(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    window = 1.5
    simulator = await start_simulator({"m": ModelProfile(latency=0.01), "w": ModelProfile()}, CASES)
    await warm_up(http_session, simulator.url or "", 2)
    requests = asks(6, "x" * 36)  # each weighs 10 prompt tokens (40 characters) + 10 max_tokens
    assert {payload_tokens({"messages": r.wire_messages(), "max_tokens": 10}) for r in requests} == {20}
    endpoint = endpoint_of(
        http_session, simulator.url or "", ConcurrencyLimits(window=window), tokens_per_minute=40
    )
    outcomes = await asyncio.gather(*(endpoint.complete(request) for request in requests))
    assert [o.kind for o in outcomes] == [OutcomeKind.ANSWERED] * 6
    arrivals = simulator.arrivals_by_model["m"]
    assert len(arrivals) == 6 and most_in_any_window(arrivals, window) == 2


async def test_a_retry_after_pauses_an_endpoint_without_caps(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    # Found in review: without requests_per_minute, 23 more requests started during a 3 s
    # Retry-After. Each request's first attempt meets a 429 with Retry-After: 0.5.
    simulator = await start_simulator({"m": ModelProfile(rate_limit_rate=1.0, retry_after=0.5)}, CASES)
    endpoint = OpenAICompatEndpoint(
        http_session,
        url=simulator.url or "",
        model="m",
        api_key=None,
        concurrency=2,
        timeout=5,
        max_retries=2,
        limits=ConcurrencyLimits(),
        sleep=no_backoff,  # the retries return at once: only the endpoint's pause holds a request
    )
    outcomes = await asyncio.gather(
        *(endpoint.complete(ChatRequest(messages=c.chat_messages())) for c in CASES)
    )
    assert [o.kind for o in outcomes] == [OutcomeKind.ANSWERED] * 4
    arrivals = simulator.arrivals_by_model["m"]
    assert len(arrivals) == 8
    first = arrivals[0]
    # The first two (the concurrency) were sent together and told to wait: nothing more
    # reached the server for the next half second, neither their retries nor new requests.
    assert [t for t in arrivals if t < first + 0.45] == arrivals[:2]


@pytest.mark.parametrize(
    ("cap", "most"),
    [
        ("requests_per_minute: 5", 5),
        # The probe weighs 10 tokens (9 of prompt, max_tokens 1), each case 75 (11 + 64):
        # the probe and two cases fit in 230, a third case would not.
        ("tokens_per_minute: 230", 3),
    ],
)
def test_a_run_sends_no_more_than_its_cap_in_its_first_seconds(tmp_path: Path, cap: str, most: int) -> None:
    # Found in review: with requests_per_minute 30 the simulator saw 31 requests in the
    # first second (the endpoint check's probe was not counted, and the bucket refilled
    # from the start). The run stops at its deadline long before its first minute is over.
    cases = write_suite(tmp_path / "suite.jsonl", {"cybersecurity": 20}, benign=0)
    simulator = ThreadedSimulator({"base": ModelProfile(), "tuned": ModelProfile(latency=0.05)}, cases)
    try:
        config = write_config(
            tmp_path / "gate.yml", simulator.url, "tuned", extra="sampling: {max_tokens: 64}\n"
        )
        assert cli("baseline", "--config", config, cwd=tmp_path).code == 0
        config.write_text(
            config.read_text().replace("model: tuned,", f"model: tuned, {cap},")
            + "run: {deadline: 3s}\ncache: {enabled: false}\n"
        )
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
        assert done.code == 3, done.stderr
        assert "the run reached its deadline (run.deadline = 3s)" in done.stderr
        assert simulator.requests("tuned") == most  # the probe and the cases that fit
    finally:
        simulator.stop()
