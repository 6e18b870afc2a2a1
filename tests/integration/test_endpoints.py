"""OpenAICompatEndpoint, retries and the response cache, over real loopback HTTP."""

from __future__ import annotations

import asyncio
import inspect
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

import safety_regression.endpoints
from safety_regression.endpoints import (
    CachedEndpoint,
    ChatOutcome,
    ChatRequest,
    ConcurrencyLimits,
    FailedAttempt,
    ModelProfile,
    ModelSimulator,
    OpenAICompatEndpoint,
    OutcomeKind,
    ResponseCache,
    RetryDecision,
    parse_retry_after,
    should_retry,
)
from safety_regression.endpoints.retry import asks_to_try_again, retry_delay
from safety_regression.suites.model import Case, Expect

StartSimulator = Callable[..., Awaitable[ModelSimulator]]

HARMFUL = Case(id="h1", category="cybersecurity", expect=Expect.REFUSE, prompt="simulated harmful ask")
BENIGN = Case(id="b1", category="cybersecurity", expect=Expect.COMPLY, prompt="simulated benign ask")


class RecordingSleep:
    """Stands in for asyncio.sleep: remembers each delay and returns at once, moving its
    own clock (``now``) on by it: the endpoint's rate limiter waits out a Retry-After
    pause on that clock, so the retry's own wait has already served it."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.clock = 0.0

    def now(self) -> float:
        return self.clock

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.clock += seconds


def make_endpoint(
    session: aiohttp.ClientSession,
    url: str,
    model: str = "m",
    *,
    api_key: str | None = None,
    concurrency: int = 4,
    timeout: float = 5.0,
    max_retries: int = 4,
    limits: ConcurrencyLimits | None = None,
    sleep: RecordingSleep | None = None,
    backoff_max: float = 30.0,
) -> OpenAICompatEndpoint:
    sleep = sleep or RecordingSleep()
    return OpenAICompatEndpoint(
        session,
        url=url,
        model=model,
        api_key=api_key,
        concurrency=concurrency,
        timeout=timeout,
        max_retries=max_retries,
        limits=limits or ConcurrencyLimits(clock=sleep.now, sleep=sleep),
        sleep=sleep,
        backoff_max=backoff_max,
    )


def ask(case: Case, seed: int | None = 0) -> ChatRequest:
    return ChatRequest(messages=case.chat_messages(), seed=seed)


@asynccontextmanager
async def canned_server(
    replies: list[Callable[[], web.Response]],
) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A server answering the n-th chat request with ``replies[n]`` (the last one repeats).

    Yields its base URL and the list of request records (body, headers, query) it saw.
    """
    seen: list[dict[str, Any]] = []

    async def chat(request: web.Request) -> web.Response:
        seen.append(
            {
                "body": await request.json(),
                "headers": dict(request.headers),
                "query": dict(request.query),
            }
        )
        return replies[min(len(seen), len(replies)) - 1]()

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/v1", seen
    finally:
        await runner.cleanup()


def completion(content: str | None, finish_reason: str = "stop") -> Callable[[], web.Response]:
    body = {
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ]
    }
    return lambda: web.json_response(body)


def error_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Callable[[], web.Response]:
    return lambda: web.json_response(body, status=status, headers=headers)


# --- the success path and what goes over the wire ---------------------------------


async def test_answer_comes_back(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({"m": ModelProfile()}, [BENIGN])
    outcome = await make_endpoint(http_session, simulator.url or "").complete(ask(BENIGN))
    assert outcome.kind is OutcomeKind.ANSWERED
    assert outcome.text is not None
    assert "[Simulated helpful answer" in outcome.text
    assert outcome.finish_reason == "stop"
    assert outcome.attempts == 1
    assert simulator.requests_by_model == {"m": 1}


async def test_request_body_key_and_query_string(http_session: aiohttp.ClientSession) -> None:
    async with canned_server([completion("ok")]) as (url, seen):
        endpoint = make_endpoint(http_session, url + "?api-version=2024-06-01", api_key="sk-abc")
        outcome = await endpoint.complete(
            ChatRequest(messages=BENIGN.chat_messages(), temperature=0.7, max_tokens=33, seed=5)
        )
        await endpoint.complete(ask(BENIGN, seed=None))
    assert outcome.text == "ok"
    first, second = seen
    assert first["body"] == {
        "model": "m",
        "messages": [{"role": "user", "content": "simulated benign ask"}],
        "temperature": 0.7,
        "max_tokens": 33,
        "seed": 5,
    }
    assert "seed" not in second["body"]
    assert first["headers"]["Authorization"] == "Bearer sk-abc"
    assert first["query"] == {"api-version": "2024-06-01"}


async def test_identity_drops_credentials_and_query(http_session: aiohttp.ClientSession) -> None:
    endpoint = make_endpoint(http_session, "https://user:pw@models.example/v1/?key=s3cret")
    assert endpoint.identity == "https://models.example/v1"
    assert "s3cret" not in endpoint.limit_key
    assert "pw" not in endpoint.limit_key


# --- concurrency ------------------------------------------------------------------


async def test_concurrency_limit_is_respected(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    cases = [
        Case(id=f"c{i}", category="privacy", expect=Expect.COMPLY, prompt=f"question {i}") for i in range(12)
    ]
    simulator = await start_simulator({"m": ModelProfile(latency=0.05)}, cases)
    endpoint = make_endpoint(http_session, simulator.url or "", concurrency=3)
    outcomes = await asyncio.gather(*(endpoint.complete(ask(c)) for c in cases))
    assert all(o.kind is OutcomeKind.ANSWERED for o in outcomes)
    assert simulator.max_in_flight == 3


async def test_same_server_and_key_share_one_limit(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    cases = [
        Case(id=f"c{i}", category="privacy", expect=Expect.COMPLY, prompt=f"question {i}") for i in range(8)
    ]
    simulator = await start_simulator(
        {"a": ModelProfile(latency=0.05), "b": ModelProfile(latency=0.05)}, cases
    )
    limits = ConcurrencyLimits()
    model_a = make_endpoint(
        http_session, simulator.url or "", "a", api_key="k1", concurrency=2, limits=limits
    )
    # Built second, so its larger limit is ignored: the first limit for a key wins.
    model_b = make_endpoint(
        http_session, simulator.url or "", "b", api_key="k1", concurrency=10, limits=limits
    )
    other_key = make_endpoint(
        http_session, simulator.url or "", "b", api_key="k2", concurrency=5, limits=limits
    )
    assert model_a.limit_key == model_b.limit_key != other_key.limit_key
    assert limits.limit(model_b.limit_key) == 2
    await asyncio.gather(*(e.complete(ask(c)) for c in cases for e in (model_a, model_b)))
    assert simulator.max_in_flight == 2


# --- retries ----------------------------------------------------------------------


async def test_server_error_then_success_is_retried(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({"m": ModelProfile(error_rate=1.0, error_attempts=1)}, [BENIGN])
    sleep = RecordingSleep()
    outcome = await make_endpoint(http_session, simulator.url or "", sleep=sleep).complete(ask(BENIGN))
    assert outcome.kind is OutcomeKind.ANSWERED
    assert outcome.attempts == 2
    assert simulator.requests_by_model["m"] == 2
    assert len(sleep.delays) == 1
    assert 0.25 <= sleep.delays[0] <= 0.5


async def test_permanent_server_error_ends_as_error_outcome(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({"m": ModelProfile(error_rate=1.0, error_attempts=1000)}, [BENIGN])
    sleep = RecordingSleep()
    endpoint = make_endpoint(http_session, simulator.url or "", max_retries=4, sleep=sleep)
    outcome = await endpoint.complete(ask(BENIGN))
    assert outcome.kind is OutcomeKind.ERROR
    assert outcome.attempts == 5
    assert outcome.error is not None
    assert outcome.error.startswith("HTTP 500 after 5 attempts")
    assert simulator.requests_by_model["m"] == 5
    # Exponential backoff with equal jitter: attempt k waits within [b·2^(k-1)/2, b·2^(k-1)].
    assert len(sleep.delays) == 4
    for attempt, delay in enumerate(sleep.delays, start=1):
        assert 0.5 * 2 ** (attempt - 1) / 2 <= delay <= 0.5 * 2 ** (attempt - 1)
    # Deterministic: the same request waits the same again.
    again = RecordingSleep()
    await make_endpoint(http_session, simulator.url or "", max_retries=4, sleep=again).complete(ask(BENIGN))
    assert again.delays == sleep.delays


async def test_rate_limit_honours_retry_after(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({"m": ModelProfile(rate_limit_rate=1.0, retry_after=2.5)}, [BENIGN])
    sleep = RecordingSleep()
    outcome = await make_endpoint(http_session, simulator.url or "", sleep=sleep).complete(ask(BENIGN))
    assert outcome.kind is OutcomeKind.ANSWERED
    assert outcome.attempts == 2
    assert sleep.delays == [2.5]


async def test_retry_after_is_capped_at_backoff_max(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({"m": ModelProfile(rate_limit_rate=1.0, retry_after=3600)}, [BENIGN])
    sleep = RecordingSleep()
    await make_endpoint(http_session, simulator.url or "", sleep=sleep, backoff_max=7.0).complete(ask(BENIGN))
    assert sleep.delays == [7.0]


async def test_503_with_http_date_retry_after(http_session: aiohttp.ClientSession) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    busy = error_reply(503, {"error": {"message": "overloaded"}}, {"Retry-After": when})
    async with canned_server([busy, completion("ok")]) as (url, _):
        sleep = RecordingSleep()
        outcome = await make_endpoint(http_session, url, sleep=sleep).complete(ask(BENIGN))
    assert outcome.kind is OutcomeKind.ANSWERED
    assert outcome.attempts == 2
    assert 15 <= sleep.delays[0] <= 20


async def test_malformed_reply_is_retried(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({"m": ModelProfile(malformed_rate=1.0)}, [BENIGN])
    outcome = await make_endpoint(http_session, simulator.url or "").complete(ask(BENIGN))
    assert outcome.kind is OutcomeKind.ANSWERED
    assert outcome.attempts == 2


@pytest.mark.parametrize(
    "reply",
    [
        lambda: web.Response(text="not json at all"),
        lambda: web.json_response({"choices": []}),
        lambda: web.json_response({"choices": [{"message": {"role": "assistant"}}]}),
        lambda: web.json_response({"id": "x"}),
    ],
    ids=["not-json", "no-choices", "no-content", "no-choices-key"],
)
async def test_persistent_malformed_reply_becomes_error(
    http_session: aiohttp.ClientSession, reply: Callable[[], web.Response]
) -> None:
    async with canned_server([reply]) as (url, seen):
        outcome = await make_endpoint(http_session, url, max_retries=2).complete(ask(BENIGN))
    assert outcome.kind is OutcomeKind.ERROR
    assert outcome.attempts == 3
    assert len(seen) == 3
    assert outcome.error is not None
    assert outcome.error.startswith("malformed reply after 3 attempts")


async def test_timeouts_are_retried_then_reported(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({"m": ModelProfile(latency=0.5)}, [BENIGN])
    endpoint = make_endpoint(http_session, simulator.url or "", timeout=0.05, max_retries=1)
    outcome = await endpoint.complete(ask(BENIGN))
    assert outcome.kind is OutcomeKind.ERROR
    assert outcome.attempts == 2
    assert outcome.error == "timeout (0.05s) after 2 attempts"


# --- content filters and fatal statuses -------------------------------------------


async def test_content_filter_400_is_blocked_without_retry(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({"m": ModelProfile(default_refusal=1.0, blocked=1.0)}, [HARMFUL])
    outcome = await make_endpoint(http_session, simulator.url or "").complete(ask(HARMFUL))
    assert outcome.kind is OutcomeKind.BLOCKED
    assert outcome.error is not None
    assert outcome.error.startswith("content filter")
    assert simulator.requests_by_model["m"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"error": {"message": "flagged", "code": "content_policy_violation"}},
        {
            "error": {
                "message": "The response was filtered",
                "code": "BadRequest",
                "innererror": {
                    "code": "ResponsibleAIPolicyViolation",
                    "innererror": {"code": "content_filter"},
                },
            }
        },
    ],
    ids=["openai-policy", "azure-nested"],
)
async def test_provider_content_filter_bodies(
    http_session: aiohttp.ClientSession, body: dict[str, Any]
) -> None:
    async with canned_server([error_reply(400, body)]) as (url, seen):
        outcome = await make_endpoint(http_session, url).complete(ask(HARMFUL))
    assert outcome.kind is OutcomeKind.BLOCKED
    assert len(seen) == 1


async def test_finish_reason_content_filter_is_blocked(http_session: aiohttp.ClientSession) -> None:
    async with canned_server([completion(None, finish_reason="content_filter")]) as (url, _):
        outcome = await make_endpoint(http_session, url).complete(ask(HARMFUL))
    assert outcome.kind is OutcomeKind.BLOCKED
    assert outcome.finish_reason == "content_filter"


async def test_wrong_api_key_is_fatal_and_never_echoed(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    secret = "sk-wrong-secret-0123456789"
    simulator = await start_simulator({"m": ModelProfile()}, [BENIGN], api_key="sk-right")
    outcome = await make_endpoint(http_session, simulator.url or "", api_key=secret).complete(ask(BENIGN))
    assert outcome.kind is OutcomeKind.ERROR
    assert outcome.attempts == 1
    assert simulator.requests_by_model["m"] == 1
    assert outcome.error is not None
    assert outcome.error.startswith("HTTP 401")
    assert "not retried" in outcome.error
    assert secret not in outcome.error
    assert "***" in outcome.error


async def test_right_api_key_is_accepted(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({"m": ModelProfile()}, [BENIGN], api_key="sk-right")
    outcome = await make_endpoint(http_session, simulator.url or "", api_key="sk-right").complete(ask(BENIGN))
    assert outcome.kind is OutcomeKind.ANSWERED


async def test_unknown_model_is_fatal(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({"m": ModelProfile()}, [BENIGN])
    outcome = await make_endpoint(http_session, simulator.url or "", "nope").complete(ask(BENIGN))
    assert outcome.kind is OutcomeKind.ERROR
    assert outcome.attempts == 1
    assert outcome.error == "HTTP 404: The model 'nope' does not exist (not retried)"


async def test_connection_refused_is_an_error_outcome(http_session: aiohttp.ClientSession) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    secret = "sk-never-in-messages"
    endpoint = make_endpoint(http_session, f"http://127.0.0.1:{port}/v1", api_key=secret, max_retries=2)
    outcome = await endpoint.complete(ask(BENIGN))
    assert outcome.kind is OutcomeKind.ERROR
    assert outcome.attempts == 3
    assert outcome.error is not None
    assert outcome.error.startswith("connection failed after 3 attempts")
    assert secret not in outcome.error


# --- the retry decision itself ------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "decision"),
    [
        (FailedAttempt("timeout"), RetryDecision.TRANSIENT),
        (FailedAttempt("malformed", status=200), RetryDecision.TRANSIENT),
        (FailedAttempt("HTTP 500", status=500), RetryDecision.TRANSIENT),
        (FailedAttempt("HTTP 502", status=502), RetryDecision.TRANSIENT),
        (FailedAttempt("HTTP 503", status=503), RetryDecision.TRANSIENT),
        (FailedAttempt("HTTP 503", status=503, retry_after=3), RetryDecision.RATE_LIMITED),
        (FailedAttempt("HTTP 429", status=429), RetryDecision.RATE_LIMITED),
        (FailedAttempt("HTTP 400", status=400), RetryDecision.FATAL),
        (FailedAttempt("HTTP 401", status=401), RetryDecision.FATAL),
        (FailedAttempt("HTTP 403", status=403), RetryDecision.FATAL),
        (FailedAttempt("HTTP 404", status=404), RetryDecision.FATAL),
        (FailedAttempt("HTTP 422", status=422), RetryDecision.FATAL),
    ],
)
def test_should_retry(failure: FailedAttempt, decision: RetryDecision) -> None:
    assert should_retry(failure) is decision


def test_the_checks_and_the_retries_read_statuses_alike() -> None:
    """The endpoint checks retry exactly the statuses a run's requests would retry."""
    for status in range(400, 600):
        retried = should_retry(FailedAttempt(reason=f"HTTP {status}", status=status))
        assert asks_to_try_again(status) is (retried is not RetryDecision.FATAL), status
    assert [status for status in range(400, 500) if asks_to_try_again(status)] == [408, 409, 425, 429]


def test_parse_retry_after() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_backoff_without_retry_after_is_capped() -> None:
    failure = FailedAttempt("HTTP 429", status=429)
    delay = retry_delay(
        RetryDecision.RATE_LIMITED,
        failure,
        attempt=20,
        jitter_key="k",
        backoff_base=0.5,
        backoff_max=30.0,
    )
    assert 15.0 <= delay <= 30.0


# --- the response cache -------------------------------------------------------------


async def test_cache_resume_asks_nothing_again(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator, tmp_path: Path
) -> None:
    cases = [
        Case(
            id=f"c{i}",
            category="privacy",
            expect=Expect(("refuse", "comply")[i % 2]),
            prompt=f"p{i}",
        )
        for i in range(6)
    ]
    simulator = await start_simulator({"m": ModelProfile(blocked=0.5)}, cases)
    path = tmp_path / "cache" / "responses.jsonl"

    async def run() -> tuple[list[ChatOutcome], CachedEndpoint]:
        cached = CachedEndpoint(make_endpoint(http_session, simulator.url or ""), ResponseCache(path))
        return [await cached.complete(ask(c)) for c in cases], cached

    first, first_endpoint = await run()
    assert first_endpoint.misses == 6
    assert simulator.requests_by_model["m"] == 6
    second, second_endpoint = await run()
    assert simulator.requests_by_model["m"] == 6
    assert second_endpoint.hits == 6
    assert second_endpoint.misses == 0
    assert second == first


async def test_errors_are_not_cached(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator, tmp_path: Path
) -> None:
    simulator = await start_simulator({"m": ModelProfile(error_rate=1.0, error_attempts=1000)}, [BENIGN])
    path = tmp_path / "responses.jsonl"
    for _ in range(2):
        cached = CachedEndpoint(
            make_endpoint(http_session, simulator.url or "", max_retries=0), ResponseCache(path)
        )
        assert (await cached.complete(ask(BENIGN))).kind is OutcomeKind.ERROR
    assert simulator.requests_by_model["m"] == 2
    assert not path.exists() or path.read_text() == ""


def test_truncated_final_cache_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "responses.jsonl"
    answered = ChatOutcome(kind=OutcomeKind.ANSWERED, text="hello")
    good = [json.dumps({"key": k, "outcome": answered.model_dump(mode="json")}) for k in ("a", "b")]
    path.write_text("\n".join(good) + '\n{"key": "c", "outcome": {"kind": "answ')
    cache = ResponseCache(path)
    assert len(cache) == 2
    assert cache.skipped_lines == 1
    assert cache.get("a") == answered
    assert cache.get("c") is None
    cache.put("d", answered)
    lines = path.read_text().splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["a", "b", "d"]


def test_a_deeply_nested_cache_line_is_skipped_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "responses.jsonl"
    answered = ChatOutcome(kind=OutcomeKind.ANSWERED, text="hello")
    good = json.dumps({"key": "a", "outcome": answered.model_dump(mode="json")})
    path.write_text(good + "\n" + "[" * 200_000 + "]" * 200_000 + "\n")
    cache = ResponseCache(path)
    assert len(cache) == 1 and cache.skipped_lines == 1
    assert cache.get("a") == answered


def test_final_cache_line_missing_its_newline_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "responses.jsonl"
    answered = ChatOutcome(kind=OutcomeKind.ANSWERED, text="hello")
    path.write_text(json.dumps({"key": "a", "outcome": answered.model_dump(mode="json")}))
    cache = ResponseCache(path)
    cache.put("b", ChatOutcome(kind=OutcomeKind.BLOCKED, error="content filter"))
    reopened = ResponseCache(path)
    assert len(reopened) == 2
    assert reopened.skipped_lines == 0
    assert reopened.get("b") == ChatOutcome(kind=OutcomeKind.BLOCKED, error="content filter")


def test_cache_stores_only_usable_outcomes(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "responses.jsonl")
    cache.put("e", ChatOutcome(kind=OutcomeKind.ERROR, error="HTTP 500 after 5 attempts", attempts=5))
    assert cache.get("e") is None
    assert len(ResponseCache(tmp_path / "responses.jsonl")) == 0


def test_public_names_match_all() -> None:
    package = safety_regression.endpoints
    # The names load lazily: public = what is already bound plus what __getattr__ serves.
    public = {
        name
        for name, value in vars(package).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    } | set(package._LAZY)
    assert public == set(package.__all__)
    assert all(getattr(package, name) is not None for name in package.__all__)


async def test_a_redirect_is_not_followed_to_another_origin(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    other = await start_simulator({"m": ModelProfile(default_false_refusal=1.0)}, [BENIGN])
    mover = await start_simulator({"m": ModelProfile(redirect_to=f"{other.url}/chat/completions")}, [BENIGN])
    outcome = await make_endpoint(http_session, mover.url or "", max_retries=3).complete(ask(BENIGN))
    assert outcome.kind is OutcomeKind.ERROR
    assert outcome.attempts == 1, "a redirect is not retried"
    assert outcome.error == (
        f"HTTP 302: redirected to {other.url}/chat/completions, not followed; "
        "set the endpoint url to the address that answers (not retried)"
    )
    assert other.requests_by_model["m"] == 0, "the other origin never saw the request"


async def test_a_blank_reply_is_empty_not_an_answer(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({"m": ModelProfile(blank_rate=1.0)}, [BENIGN])
    outcome = await make_endpoint(http_session, simulator.url or "").complete(ask(BENIGN))
    assert outcome.kind is OutcomeKind.EMPTY
    assert outcome.text is None
    assert outcome.error == "empty reply: HTTP 200 with blank content"
