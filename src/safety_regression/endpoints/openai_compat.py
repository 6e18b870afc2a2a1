"""An OpenAI-compatible chat-completions endpoint over aiohttp.

``complete`` never raises for a failed request. It retries what is worth retrying (see
``retry.py``), turns a provider's content filter into a ``blocked`` outcome, and
returns an ``error`` outcome once its bounded retries are spent. Error text never holds
the API key: it is scrubbed from every message before it leaves this module.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from pydantic import BaseModel, ValidationError
from yarl import URL

from safety_regression.config import EndpointConfig
from safety_regression.endpoints.base import ChatOutcome, ChatRequest, OutcomeKind, RetryDecision
from safety_regression.endpoints.retry import (
    FailedAttempt,
    retry_delay,
    should_retry,
)
from safety_regression.endpoints.wire import (
    after_attempts,
    credential_digest,
    error_object,
    json_or_none,
    retry_after_seconds,
    safe_url,
    server_message,
)
from safety_regression.errors import EndpointError

CONTENT_FILTER_CODES = frozenset({"content_filter", "content_policy_violation"})

Sleep = Callable[[float], Awaitable[None]]


class ConcurrencyLimits:
    """One semaphore per endpoint identity (URL plus credentials).

    A judge and a model served by the same server with the same key share one limit,
    whichever object asks. The first limit requested for a key wins; later requests for
    the same key get the existing semaphore whatever limit they name, so configure the
    tighter limit on the endpoint that is built first.
    """

    def __init__(self) -> None:
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._limits: dict[str, int] = {}

    def semaphore(self, key: str, limit: int) -> asyncio.Semaphore:
        if limit < 1:
            raise ValueError(f"concurrency must be at least 1, got {limit}")
        if key not in self._semaphores:
            self._semaphores[key] = asyncio.Semaphore(limit)
            self._limits[key] = limit
        return self._semaphores[key]

    def limit(self, key: str) -> int | None:
        """The limit in force for ``key``, or None if nothing has asked for it yet."""
        return self._limits.get(key)


class _Reply(BaseModel):
    content: str | None = None


class _Choice(BaseModel):
    message: _Reply = _Reply()
    finish_reason: str | None = None


class _Completion(BaseModel):
    choices: list[_Choice]


class OpenAICompatEndpoint:
    """A model behind ``POST {url}/chat/completions``."""

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
            raise EndpointError(f"endpoint url {safe_url(base)!r} must be http(s)://host/...; fix the url")
        if api_key and (base.user or base.password):
            raise EndpointError(
                f"endpoint {safe_url(base)}: give credentials either in the url or as an API key, not both"
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
        self._post_url = base.with_path(base.path.rstrip("/") + "/chat/completions").with_query(base.query)
        # Secrets that could surface in an error message: the key and URL credentials.
        self._secrets = tuple(s for s in (api_key, base.password, base.query_string) if s)
        self.limit_key = f"{self._identity}#{credential_digest(api_key, base)}"
        self._semaphore = limits.semaphore(self.limit_key, concurrency)

    @classmethod
    def from_config(
        cls,
        session: aiohttp.ClientSession,
        config: EndpointConfig,
        api_key: str | None,
        limits: ConcurrencyLimits,
    ) -> OpenAICompatEndpoint:
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

    async def complete(self, request: ChatRequest) -> ChatOutcome:
        total = self._max_retries + 1
        failure = FailedAttempt(reason="no attempt made")
        for attempt in range(1, total + 1):
            async with self._semaphore:
                result = await self._attempt(request)
            if isinstance(result, ChatOutcome):
                return result.model_copy(update={"attempts": attempt})
            failure = result
            decision = should_retry(failure)
            if decision is RetryDecision.FATAL:
                return self._error(f"{failure.reason} (not retried)", attempt)
            if attempt < total:
                await self._sleep(
                    retry_delay(
                        decision,
                        failure,
                        attempt,
                        request.cache_key(self._identity, self._model),
                        self._backoff_base,
                        self._backoff_max,
                    )
                )
        return self._error(after_attempts(failure.reason, total), total)

    async def _attempt(self, request: ChatRequest) -> ChatOutcome | FailedAttempt:
        """One HTTP exchange: an outcome that needs no retry, or the failure to classify."""
        payload: dict[str, Any] = {
            "model": self._model,
            "messages": [m.model_dump() for m in request.messages],
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        if request.seed is not None:
            payload["seed"] = request.seed
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
        if 200 <= status < 300:
            return self._parse_success(body, status)
        data = json_or_none(body)
        blocked = _content_filter_message(data)
        if blocked is not None and status == 400:
            return ChatOutcome(kind=OutcomeKind.BLOCKED, error=self._scrub(f"content filter: {blocked}"))
        detail = server_message(data)
        reason = f"HTTP {status}" + (f": {self._scrub(detail)}" if detail else "")
        return FailedAttempt(reason=reason, status=status, retry_after=retry_after)

    def _parse_success(self, body: bytes, status: int) -> ChatOutcome | FailedAttempt:
        data = json_or_none(body)
        if data is None:
            return FailedAttempt(reason="malformed reply: body is not JSON", status=status)
        try:
            choice = _Completion.model_validate(data).choices[0]
        except (ValidationError, IndexError):
            return FailedAttempt(reason="malformed reply: not a chat completion", status=status)
        if choice.finish_reason == "content_filter":
            return ChatOutcome(
                kind=OutcomeKind.BLOCKED,
                text=choice.message.content,
                finish_reason=choice.finish_reason,
                error="content filter stopped the answer",
            )
        if choice.message.content is None:
            return FailedAttempt(reason="malformed reply: message has no content", status=status)
        return ChatOutcome(
            kind=OutcomeKind.ANSWERED,
            text=choice.message.content,
            finish_reason=choice.finish_reason,
        )

    def _error(self, message: str, attempts: int) -> ChatOutcome:
        return ChatOutcome(kind=OutcomeKind.ERROR, error=self._scrub(message), attempts=attempts)

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _content_filter_message(data: Any) -> str | None:
    """The provider's reason when a 4xx body says its content filter refused the request.

    Accepts OpenAI's ``error.code`` and Azure's nested ``innererror`` codes at any depth.
    """
    error = error_object(data)
    node: Any = error
    while isinstance(node, dict):
        if node.get("code") in CONTENT_FILTER_CODES or node.get("type") in CONTENT_FILTER_CODES:
            return server_message(data) or str(node.get("code") or node.get("type"))
        node = node.get("innererror") or node.get("inner_error")
    return None
