"""One route of an OpenAI-style HTTP API, posted to with bounded retries.

The chat and the moderation clients differ only in the body they send and how they read
the reply; everything else lives here once: URL checks, credentials, the concurrency
limit shared by endpoint identity, the retry loop, and scrubbing secrets from errors.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, Self, TypeVar

import aiohttp
from pydantic import BaseModel
from yarl import URL

from safety_regression.config import EndpointConfig
from safety_regression.endpoints.base import NOT_ASKED, NOT_RETRIED, RetryDecision, StoppedAfterFailure, Usage
from safety_regression.endpoints.ratelimit import WINDOW, RateLimiter, payload_tokens
from safety_regression.endpoints.retry import FailedAttempt, retry_delay, should_retry
from safety_regression.endpoints.wire import (
    after_attempts,
    credential_digest,
    redirect_target,
    retry_after_seconds,
    safe_url,
)
from safety_regression.errors import EndpointError
from safety_regression.redaction import all_forms, inert, scrub

Sleep = Callable[[float], Awaitable[None]]
Outcome = TypeVar("Outcome", bound=BaseModel)
"""A client's result type; it has an ``attempts`` field that the loop fills in."""


class ConcurrencyLimits:
    """One semaphore and one rate limiter per endpoint identity (URL plus credentials).

    A judge and a model served by the same server with the same key share one limit,
    whichever object asks. The first limit requested for a key wins; later requests for
    the same key get the existing semaphore whatever limit they name, so configure the
    tighter limit on the endpoint that is built first. The same goes for the rate caps
    (the first endpoint that names any); every key has a limiter, so a 429's Retry-After
    pauses its endpoint whether or not caps are set. ``window`` is the limiters' minute,
    ``clock`` and ``sleep`` their time (tests shorten or fake them).
    """

    def __init__(
        self,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._limits: dict[str, int] = {}
        self._rates: dict[str, RateLimiter] = {}
        self._time = (window, clock, sleep)

    def semaphore(self, key: str, limit: int) -> asyncio.Semaphore:
        if limit < 1:
            raise ValueError(f"concurrency must be at least 1, got {limit}")
        if key not in self._semaphores:
            self._semaphores[key] = asyncio.Semaphore(limit)
            self._limits[key] = limit
        return self._semaphores[key]

    def rate_limiter(
        self, key: str, requests_per_minute: int | None, tokens_per_minute: int | None
    ) -> RateLimiter:
        """The key's shared rate limiter; the first caps configured for the key win."""
        limiter = self._rates.get(key)
        if limiter is None:
            window, clock, sleep = self._time
            limiter = self._rates[key] = RateLimiter(None, None, clock, sleep, window)
        limiter.configure(requests_per_minute, tokens_per_minute)
        return limiter

    def own_slots(self) -> ConcurrencyLimits:
        """Limits with semaphores of their own but these rate limiters: for a request (the
        endpoint check's probe) that must not wait for a concurrency slot yet counts
        against the endpoint's rate caps."""
        other = ConcurrencyLimits(*self._time)
        other._rates = self._rates
        return other

    def limit(self, key: str) -> int | None:
        """The limit in force for ``key``, or None if nothing has asked for it yet."""
        return self._limits.get(key)


@dataclass(frozen=True, slots=True)
class Reply:
    """One HTTP exchange that completed: what a client reads its outcome from.

    A plain slots dataclass, not a pydantic model: one is built per response, and it
    holds values aiohttp has already typed."""

    status: int
    body: bytes
    retry_after: float | None
    location: str | None = None
    """Where a 3xx pointed (without credentials); redirects are never followed."""


MAX_LOCATION_CHARS = 300
"""A redirect's Location is shown cut to this (after scrubbing, where it is scrubbed)."""


def redirect_reason(reply: Reply) -> str:
    """Why a 3xx reply is an error: the redirect is not followed."""
    where = inert(reply.location, MAX_LOCATION_CHARS) if reply.location else "(no Location)"
    return (
        f"HTTP {reply.status}: redirected to {where}, not followed; "
        "set the endpoint url to the address that answers"
    )


class ReplyWatch(Protocol):
    """Awaited before each attempt and with each reply (``preflight.RouteWatch``); either
    may wait, or raise a ConfigError to stop the run."""

    async def before_send(self, first_wave: bool) -> None: ...

    async def after_reply(self, key: tuple[str, str], reply: Reply) -> None: ...


class Transport:
    """POST JSON to ``{url}/{route}`` with bounded, classified retries."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        route: str,
        api_key: str | None,
        concurrency: int,
        timeout: float,
        max_retries: int,
        limits: ConcurrencyLimits,
        sleep: Sleep = asyncio.sleep,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        requests_per_minute: int | None = None,
        tokens_per_minute: int | None = None,
    ) -> None:
        base = URL(url)
        if base.scheme not in ("http", "https") or not base.host:
            raise EndpointError(f"endpoint url {safe_url(base)!r} must be http(s)://host/...; fix the url")
        if api_key and (base.user or base.password):
            raise EndpointError(
                f"endpoint {safe_url(base)}: give credentials either in the url or as an API key, not both"
            )
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {max_retries}")
        self._session = session
        self._api_key = api_key
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._timeout_seconds = timeout
        self._max_retries = max_retries
        self._sleep = sleep
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self.identity = safe_url(base)
        """The URL without credentials: safe to log and to store."""
        self._post_url = base.with_path(base.path.rstrip("/") + "/" + route).with_query(base.query)
        # Secrets that could surface in an error message: the key and URL credentials,
        # in every spelling ``redaction`` knows (a server may echo them encoded).
        self._secrets = all_forms(s for s in (api_key, base.password, base.query_string) if s)
        self.limit_key = f"{self.identity}#{credential_digest(api_key, base)}"
        self._semaphore = limits.semaphore(self.limit_key, concurrency)
        self._rate = limits.rate_limiter(self.limit_key, requests_per_minute, tokens_per_minute)
        self.watch: ReplyWatch | None = None
        """Awaited before each attempt and with each reply; it may raise to stop the run
        (a ``preflight.RouteWatch``: the route's probe, sent alongside the first wave)."""
        self._first_wave = concurrency
        self._attempts = 0
        self.admit: Callable[[], str | None] | None = None
        """Asked just before each attempt is sent (``metering.Meter.attempt``): None lets it
        go; a reason ends the request: unsent, as a ``NOT_ASKED`` error, or, when an
        earlier attempt failed, as that failure, ``NOT_RETRIED``."""

    async def exchange(
        self,
        payload: dict[str, Any],
        jitter_key: str | Callable[[], str],
        interpret: Callable[[Reply], Outcome | FailedAttempt],
        give_up: Callable[[str, int], Outcome],
    ) -> Outcome:
        """Post until ``interpret`` returns an outcome, a failure is fatal, or retries run out.

        ``give_up(message, attempts)`` builds the outcome for a request that failed; its
        message has been scrubbed of secrets. ``jitter_key`` (or a function giving it,
        called only when a retry waits) seeds the backoff jitter.
        """
        total = self._max_retries + 1
        failure = FailedAttempt(reason="no attempt made")
        for attempt in range(1, total + 1):
            try:
                async with self._semaphore:
                    if self.watch is not None:
                        self._attempts += 1
                        await self.watch.before_send(self._attempts <= self._first_wave)
                    # Counted as sent only now, just before it is: a start counted while
                    # the request still waited for its slot would leave the window early.
                    rate = self._rate
                    start = None if rate.open() else await rate.acquire(payload_tokens(payload))
                    refused = self.admit() if self.admit is not None else None
                    if refused is not None:  # a budget stopped the run: this attempt is not sent
                        if attempt == 1:
                            return give_up(f"{NOT_ASKED} ({refused})", 0)
                        # Sent and failed, then not retried: the failure is what it met.
                        failed = self._failed(failure, attempt - 1)
                        return give_up(self.scrub(f"{failed}; {NOT_RETRIED} ({refused})"), attempt - 1)
                    result = await self._attempt(payload, interpret)
            except asyncio.CancelledError as cancelled:
                # The run stopped (its deadline, the circuit breaker) while this request
                # waited to retry or its retry was in flight: it failed, it was not unsent.
                if attempt == 1 or isinstance(cancelled, StoppedAfterFailure):
                    raise
                raise StoppedAfterFailure(self._failed(failure, attempt - 1), attempt - 1) from cancelled
            if not isinstance(result, FailedAttempt):
                usage = getattr(result, "usage", None)
                if isinstance(usage, Usage):
                    self._rate.settle(start, usage.prompt_tokens + usage.completion_tokens)
                # Outcomes are built with attempts=1: copied only when a retry was needed.
                if getattr(result, "attempts", None) == attempt:
                    return result
                return result.model_copy(update={"attempts": attempt})
            failure = result
            decision = should_retry(failure)
            if decision is RetryDecision.RATE_LIMITED and failure.retry_after:
                # The whole endpoint waits, not just this request, capped or not.
                self._rate.pause(min(failure.retry_after, self._backoff_max))
            if decision is RetryDecision.FATAL:
                return give_up(self.scrub(f"{failure.reason} (not retried)"), attempt)
            if attempt < total:
                if not isinstance(jitter_key, str):
                    jitter_key = jitter_key()
                delay = retry_delay(
                    decision, failure, attempt, jitter_key, self._backoff_base, self._backoff_max
                )
                try:
                    await self._sleep(delay)
                except asyncio.CancelledError as cancelled:
                    raise StoppedAfterFailure(self._failed(failure, attempt), attempt) from cancelled
        return give_up(self.scrub(after_attempts(failure.reason, total)), total)

    def _failed(self, failure: FailedAttempt, attempts: int) -> str:
        """What ``attempts`` failed attempts met, the last one's reason: scrubbed."""
        reason = failure.reason.rstrip(".")
        return self.scrub(reason if attempts == 1 else after_attempts(reason, attempts))

    async def _attempt(
        self, payload: dict[str, Any], interpret: Callable[[Reply], Outcome | FailedAttempt]
    ) -> Outcome | FailedAttempt:
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        try:
            # A redirected POST is never followed: aiohttp would turn it into a GET, and
            # another host's answer would be taken as the model's.
            async with self._session.post(
                self._post_url, json=payload, headers=headers, timeout=self._timeout, allow_redirects=False
            ) as response:
                reply = Reply(
                    status=response.status,
                    body=await response.read(),
                    retry_after=retry_after_seconds(response.headers),
                    location=redirect_target(response.headers, self._post_url),
                )
        except TimeoutError:
            return FailedAttempt(reason=f"timeout ({self._timeout_seconds:g}s)")
        except aiohttp.ClientError as exc:
            return FailedAttempt(reason=f"connection failed: {self.scrub(str(exc) or type(exc).__name__)}")
        if self.watch is not None:
            await self.watch.after_reply((self.limit_key, str(payload.get("model"))), reply)
        return interpret(reply)

    def scrub(self, text: str) -> str:
        return scrub(text, self._secrets) if self._secrets else text


class RouteClient:
    """A client of one model behind one route of an OpenAI-style API.

    Subclasses name the route and build their requests; construction, ``from_config``,
    ``identity``, ``model`` and the shared concurrency ``limit_key`` live here once.
    """

    ROUTE: str

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        model: str,
        api_key: str | None,
        concurrency: int,
        timeout: float,
        max_retries: int,
        limits: ConcurrencyLimits,
        sleep: Sleep = asyncio.sleep,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        requests_per_minute: int | None = None,
        tokens_per_minute: int | None = None,
    ) -> None:
        self._model = model
        self._transport = Transport(
            session,
            url,
            self.ROUTE,
            api_key,
            concurrency,
            timeout,
            max_retries,
            limits,
            sleep,
            backoff_base,
            backoff_max,
            requests_per_minute,
            tokens_per_minute,
        )
        self.limit_key = self._transport.limit_key

    def watch(self, watch: ReplyWatch) -> None:
        """Have ``watch`` see each attempt and reply (see ``Transport.watch``)."""
        self._transport.watch = watch

    def count_attempts(self, admit: Callable[[], str | None]) -> None:
        """Have ``admit`` count (and allow or refuse) each attempt (see ``Transport.admit``)."""
        self._transport.admit = admit

    @classmethod
    def from_config(
        cls,
        session: aiohttp.ClientSession,
        config: EndpointConfig,
        api_key: str | None,
        limits: ConcurrencyLimits,
    ) -> Self:
        return cls(
            session,
            url=config.url,
            model=config.model,
            api_key=api_key,
            concurrency=config.concurrency,
            timeout=config.timeout,
            max_retries=config.max_retries,
            limits=limits,
            requests_per_minute=config.requests_per_minute,
            tokens_per_minute=config.tokens_per_minute,
        )

    @property
    def identity(self) -> str:
        """The URL without credentials: safe to log and to store."""
        return self._transport.identity

    @property
    def model(self) -> str:
        return self._model
