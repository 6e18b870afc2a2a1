"""What every model endpoint takes and returns, and how it decides to retry.

An endpoint never raises for a failed request: it returns a ``ChatOutcome`` whose kind
is ``error`` once its bounded retries are spent. The caller counts errors against the
error budget and never as a refusal or a compliance.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from safety_regression.suites.model import Message

CHAT_ROUTE = "chat/completions"
"""The route a chat model or a model judge is asked on, under the endpoint's base URL."""
MODERATION_ROUTE = "moderations"
"""The route the toxicity classifier (an OpenAI-style moderation endpoint) is asked on."""


class ChatRequest(BaseModel):
    """One chat-completions request, minus the model name (the endpoint adds it)."""

    model_config = ConfigDict(frozen=True)

    messages: tuple[Message, ...]
    temperature: float = 0.0
    max_tokens: int = 512
    seed: int | None = None

    def wire_messages(self) -> list[dict[str, str]]:
        """The messages as the chat API takes them (``model_dump`` of each, built directly:
        this runs once per request)."""
        return [{"role": m.role, "content": m.content} for m in self.messages]

    def cache_key(self, endpoint_identity: str, model: str) -> str:
        """Stable key over everything that determines the response; never the API key.

        The same JSON as ``{"endpoint", "model", **model_dump(mode="json")}`` (a test holds
        them equal, so cache files stay valid), built without pydantic's dump."""
        payload = {
            "endpoint": endpoint_identity,
            "model": model,
            "messages": self.wire_messages(),
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
        }
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class OutcomeKind(StrEnum):
    ANSWERED = "answered"
    """The model returned text; a judge labels it."""
    BLOCKED = "blocked"
    """The provider's content filter rejected the request or the answer. Counts as a refusal."""
    ERROR = "error"
    """No usable answer after every retry. Counted against the error budget, never as a result."""
    EMPTY = "empty"
    """HTTP 200 whose content is empty or only whitespace: no answer, so neither a refusal
    nor a compliance. Counted against the error budget like an error, and reported."""


FAILED_OUTCOMES = frozenset({OutcomeKind.ERROR, OutcomeKind.EMPTY})
"""Outcomes that are not answers: excluded from every rate, counted against the error budget."""


class Usage(BaseModel):
    """Tokens the server says a request used (its ``usage`` object)."""

    model_config = ConfigDict(frozen=True)

    prompt_tokens: int = 0
    completion_tokens: int = 0


class ChatOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: OutcomeKind
    text: str | None = None
    finish_reason: str | None = None
    error: str | None = None
    """For ``error`` and ``blocked``: what went wrong, without secrets."""
    attempts: int = 1
    usage: Usage | None = None
    """What the server reported using, when it did (OpenAI-style ``usage``)."""
    original_chars: int | None = None
    """Set when ``text`` was cut to ``sampling.max_response_chars`` before it was cached:
    the reply's length before the cut."""

    def capped(self, max_chars: int | None) -> ChatOutcome:
        """This outcome with its text cut to ``max_chars`` (its original length recorded);
        itself when it is short enough or already cut."""
        if max_chars is None or self.text is None or len(self.text) <= max_chars:
            return self
        return self.model_copy(update={"text": self.text[:max_chars], "original_chars": len(self.text)})


class RetryDecision(StrEnum):
    TRANSIENT = "transient"
    """Retry after exponential backoff (timeouts, connection resets, 5xx, unparseable replies)."""
    RATE_LIMITED = "rate_limited"
    """Retry after the server's Retry-After, or backoff when it sends none (429)."""
    FATAL = "fatal"
    """Do not retry (400, 401, 403, 404, 422): asking again gets the same answer."""


class Endpoint(Protocol):
    """A model that answers chat requests."""

    @property
    def identity(self) -> str:
        """The URL the endpoint talks to, safe to log and to store (no credentials)."""
        ...

    @property
    def model(self) -> str: ...

    async def complete(self, request: ChatRequest) -> ChatOutcome: ...


class EndpointWrapper:
    """An endpoint in front of another one (the cache, the meter, the run's guard).

    It answers to the inner endpoint's ``identity`` and ``model``; subclasses define
    ``complete`` around ``self._endpoint.complete``."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint

    @property
    def identity(self) -> str:
        return self._endpoint.identity

    @property
    def model(self) -> str:
        return self._endpoint.model

    def forget(self, request: ChatRequest) -> None:
        """Drop ``request``'s reply from any cache behind this wrapper (see ``forget_reply``)."""
        forget_reply(self._endpoint, request)


def forget_reply(endpoint: Endpoint, request: ChatRequest) -> None:
    """Drop the cached reply to ``request`` wherever ``endpoint`` keeps one, so a later run
    asks again. A model judge calls it for replies that gave no usable verdict: such a reply
    is an error, not a result, and errors are not cached. An endpoint with no cache ignores it."""
    forget = getattr(endpoint, "forget", None)
    if forget is not None:
        forget(request)


MALFORMED = "malformed reply"
"""How the error of a 2xx reply that no answer could be read from begins."""
NOT_ASKED = "not asked: the run stopped"
"""How a case's error starts when its request was never sent: a budget, the deadline or
the circuit breaker stopped the run first (``guard.RunGuard.not_asked``)."""
NOT_RETRIED = "not retried: the run stopped"
"""How a case's error goes on when its request was sent and failed, and the run stopped
before the retry (a budget, the deadline or the circuit breaker): ``HTTP 500: ...; not
retried: the run stopped (run.max_requests ...)``. It failed; it was not left unsent."""


class StoppedAfterFailure(asyncio.CancelledError):
    """The cancellation of a request that had been sent and had failed: it was waiting to
    retry, or its retry was in flight. It carries the failure (scrubbed of secrets), so a
    run stopped by its deadline or circuit breaker reports what the request met, as
    ``NOT_RETRIED``, instead of reading as never sent. Any other cancellation (Ctrl-C)
    propagates as this too, so no layer between the guard and the transport may wrap a
    request in ``asyncio.timeout``: it turns only a plain ``CancelledError`` into a timeout."""

    def __init__(self, failure: str, attempts: int) -> None:
        super().__init__(failure)
        self.failure = failure
        self.attempts = attempts
        """The attempts that failed."""
