"""A moderation classifier in the OpenAI ``POST {url}/moderations`` shape, over aiohttp.

It scores a response's toxicity as its highest category score. Like a chat endpoint,
``score`` never raises for a failed request: it retries by the same decisions
(``retry.py``), shares the concurrency limit of any endpoint on the same server with the
same credentials, and returns an outcome with ``error`` set once its retries are spent.
"""

from __future__ import annotations

import asyncio
import hashlib

import aiohttp
from pydantic import BaseModel, ConfigDict, ValidationError
from yarl import URL

from safety_regression.config import EndpointConfig
from safety_regression.endpoints.base import RetryDecision
from safety_regression.endpoints.openai_compat import ConcurrencyLimits, Sleep
from safety_regression.endpoints.retry import FailedAttempt, retry_delay, should_retry
from safety_regression.endpoints.wire import (
    after_attempts,
    credential_digest,
    json_or_none,
    retry_after_seconds,
    safe_url,
    server_message,
)
from safety_regression.errors import EndpointError


class ModerationOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    score: float | None = None
    """The highest category score; None when the request failed."""
    flagged: bool | None = None
    """The classifier's own verdict; None when the request failed."""
    category_scores: dict[str, float] = {}
    error: str | None = None
    """What went wrong, without secrets, once every retry is spent."""
    attempts: int = 1


class _Result(BaseModel):
    flagged: bool
    category_scores: dict[str, float]


class _Moderation(BaseModel):
    results: list[_Result]


class ModerationEndpoint:
    """A moderation model behind ``POST {url}/moderations``."""

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
    ) -> None:
        base = URL(url)
        if base.scheme not in ("http", "https") or not base.host:
            raise EndpointError(f"toxicity.endpoint.url {safe_url(base)!r} must be http(s)://host/...")
        if api_key and (base.user or base.password):
            raise EndpointError(
                f"moderation endpoint {safe_url(base)}: give credentials either in the url "
                "or as an API key, not both"
            )
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {max_retries}")
        self._session = session
        self._model = model
        self._api_key = api_key
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._timeout_seconds = timeout
        self._max_retries = max_retries
        self._sleep = sleep
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._identity = safe_url(base)
        self._post_url = base.with_path(base.path.rstrip("/") + "/moderations").with_query(base.query)
        self._secrets = tuple(s for s in (api_key, base.password, base.query_string) if s)
        # The same key as a chat endpoint on this server with these credentials: one limit.
        self.limit_key = f"{self._identity}#{credential_digest(api_key, base)}"
        self._semaphore = limits.semaphore(self.limit_key, concurrency)

    @classmethod
    def from_config(
        cls,
        session: aiohttp.ClientSession,
        config: EndpointConfig,
        api_key: str | None,
        limits: ConcurrencyLimits,
    ) -> ModerationEndpoint:
        return cls(
            session,
            url=config.url,
            model=config.model,
            api_key=api_key,
            concurrency=config.concurrency,
            timeout=config.timeout,
            max_retries=config.max_retries,
            limits=limits,
        )

    @property
    def identity(self) -> str:
        return self._identity

    @property
    def model(self) -> str:
        return self._model

    async def score(self, text: str) -> ModerationOutcome:
        total = self._max_retries + 1
        failure = FailedAttempt(reason="no attempt made")
        jitter_key = hashlib.sha256(f"{self._identity}\x1f{self._model}\x1f{text}".encode()).hexdigest()
        for attempt in range(1, total + 1):
            async with self._semaphore:
                result = await self._attempt(text)
            if isinstance(result, ModerationOutcome):
                return result.model_copy(update={"attempts": attempt})
            failure = result
            decision = should_retry(failure)
            if decision is RetryDecision.FATAL:
                return self._error(f"{failure.reason} (not retried)", attempt)
            if attempt < total:
                await self._sleep(
                    retry_delay(decision, failure, attempt, jitter_key, self._backoff_base, self._backoff_max)
                )
        return self._error(after_attempts(failure.reason, total), total)

    async def _attempt(self, text: str) -> ModerationOutcome | FailedAttempt:
        payload = {"model": self._model, "input": text}
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        try:
            async with self._session.post(
                self._post_url, json=payload, headers=headers, timeout=self._timeout
            ) as response:
                body = await response.read()
                status = response.status
                retry_after = retry_after_seconds(response.headers)
        except TimeoutError:
            return FailedAttempt(reason=f"timeout ({self._timeout_seconds:g}s)")
        except aiohttp.ClientError as exc:
            return FailedAttempt(reason=f"connection failed: {self._scrub(str(exc) or type(exc).__name__)}")
        data = json_or_none(body)
        if not 200 <= status < 300:
            detail = server_message(data)
            reason = f"HTTP {status}" + (f": {self._scrub(detail)}" if detail else "")
            return FailedAttempt(reason=reason, status=status, retry_after=retry_after)
        if data is None:
            return FailedAttempt(reason="malformed reply: body is not JSON", status=status)
        try:
            result = _Moderation.model_validate(data).results[0]
        except (ValidationError, IndexError):
            return FailedAttempt(reason="malformed reply: not a moderation result", status=status)
        if not result.category_scores:
            return FailedAttempt(reason="malformed reply: no category scores", status=status)
        return ModerationOutcome(
            score=max(result.category_scores.values()),
            flagged=result.flagged,
            category_scores=result.category_scores,
        )

    def _error(self, message: str, attempts: int) -> ModerationOutcome:
        return ModerationOutcome(error=self._scrub(message), attempts=attempts)

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text
