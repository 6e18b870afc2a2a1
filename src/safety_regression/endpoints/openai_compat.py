"""An OpenAI-compatible chat-completions endpoint over aiohttp.

``complete`` never raises for a failed request. It retries what is worth retrying (see
``retry.py``), turns a provider's content filter into a ``blocked`` outcome, and
returns an ``error`` outcome once its bounded retries are spent. Error text never holds
the API key: it is scrubbed from every message before it leaves this module.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from safety_regression.endpoints.base import MALFORMED, ChatOutcome, ChatRequest, OutcomeKind, Usage
from safety_regression.endpoints.retry import (
    FailedAttempt,
)
from safety_regression.endpoints.transport import Reply, RouteClient, redirect_reason
from safety_regression.endpoints.wire import (
    error_object,
    json_or_none,
    server_message,
)

CONTENT_FILTER_CODES = frozenset({"content_filter", "content_policy_violation"})


class _Reply(BaseModel):
    content: str | None = None


class _Choice(BaseModel):
    message: _Reply = _Reply()
    finish_reason: str | None = None


class _Usage(BaseModel):
    prompt_tokens: int | None = Field(default=None, ge=0)
    completion_tokens: int | None = Field(default=None, ge=0)


class _Completion(BaseModel):
    choices: list[_Choice]
    usage: Any = None
    """Read on its own (``_usage``): a server's odd usage object never spoils the answer."""


class OpenAICompatEndpoint(RouteClient):
    """A model behind ``POST {url}/chat/completions``."""

    ROUTE = "chat/completions"

    async def complete(self, request: ChatRequest) -> ChatOutcome:
        payload: dict[str, Any] = {
            "model": self._model,
            "messages": request.wire_messages(),
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        if request.seed is not None:
            payload["seed"] = request.seed
        # The jitter key (the cache key) is worked out only if a retry has to wait.
        return await self._transport.exchange(
            payload, lambda: request.cache_key(self.identity, self._model), self._interpret, self._error
        )

    def _interpret(self, reply: Reply) -> ChatOutcome | FailedAttempt:
        """An outcome that needs no retry, or the failure to classify."""
        if 200 <= reply.status < 300:
            return self._parse_success(reply.body, reply.status)
        if 300 <= reply.status < 400:
            return FailedAttempt(reason=redirect_reason(reply), status=reply.status)
        data = json_or_none(reply.body)
        scrub = self._transport.scrub
        blocked = _content_filter_message(data, scrub)
        if blocked is not None and reply.status == 400:
            return ChatOutcome(kind=OutcomeKind.BLOCKED, error=scrub(f"content filter: {blocked}"))
        detail = server_message(data, scrub)
        reason = f"HTTP {reply.status}" + (f": {detail}" if detail else "")
        return FailedAttempt(reason=reason, status=reply.status, retry_after=reply.retry_after)

    def _parse_success(self, body: bytes, status: int) -> ChatOutcome | FailedAttempt:
        data = json_or_none(body)
        if data is None:
            return FailedAttempt(reason=f"{MALFORMED}: body is not JSON", status=status)
        read = _plain_choice(data)
        if read is None:
            try:
                completion = _Completion.model_validate(data)
                choice = completion.choices[0]
            except (ValidationError, IndexError):
                return FailedAttempt(reason=f"{MALFORMED}: not a chat completion", status=status)
            read = choice.message.content, choice.finish_reason, completion.usage
        content, finish_reason, raw_usage = read
        usage = _usage(raw_usage)
        if finish_reason == "content_filter":
            return ChatOutcome(
                kind=OutcomeKind.BLOCKED,
                text=content,
                finish_reason=finish_reason,
                error="content filter stopped the answer",
                usage=usage,
            )
        if content is None:
            return FailedAttempt(reason=f"{MALFORMED}: message has no content", status=status)
        if not content.strip():
            return ChatOutcome(
                kind=OutcomeKind.EMPTY,
                finish_reason=finish_reason,
                error=f"empty reply: HTTP {status} with blank content",
            )
        return ChatOutcome(kind=OutcomeKind.ANSWERED, text=content, finish_reason=finish_reason, usage=usage)

    @staticmethod
    def _error(message: str, attempts: int) -> ChatOutcome:
        return ChatOutcome(kind=OutcomeKind.ERROR, error=message, attempts=attempts)


def _plain_choice(data: Any) -> tuple[str | None, str | None, Any] | None:
    """``(content, finish_reason, usage)`` of a completion in the plain shape every server
    sends (one choice, string fields), read without pydantic; None for anything else,
    which ``_Completion`` then validates (same results, slower)."""
    if not isinstance(data, dict):
        return None
    choices = data.get("choices")
    if not isinstance(choices, list) or len(choices) != 1 or not isinstance(choices[0], dict):
        return None
    message = choices[0].get("message")
    finish_reason = choices[0].get("finish_reason")
    if not isinstance(message, dict) or not (finish_reason is None or isinstance(finish_reason, str)):
        return None
    content = message.get("content")
    if not (content is None or isinstance(content, str)):
        return None
    return content, finish_reason, data.get("usage")


def _usage(raw: Any) -> Usage | None:
    if isinstance(raw, dict):
        prompt, completion = raw.get("prompt_tokens"), raw.get("completion_tokens")
        if type(prompt) is int and type(completion) is int and prompt >= 0 and completion >= 0:
            return _shared_usage(prompt, completion)
    try:
        reported = _Usage.model_validate(raw)
    except ValidationError:
        return None
    if reported.prompt_tokens is None and reported.completion_tokens is None:
        return None
    return Usage(prompt_tokens=reported.prompt_tokens or 0, completion_tokens=reported.completion_tokens or 0)


@functools.lru_cache(maxsize=4096)
def _shared_usage(prompt_tokens: int, completion_tokens: int) -> Usage:
    """One frozen ``Usage`` per token count: a run's results share them instead of each
    holding its own (about 0.5 KB a result)."""
    return Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)


def _content_filter_message(data: Any, scrub: Callable[[str], str]) -> str | None:
    """The provider's reason when a 4xx body says its content filter refused the request.

    Accepts OpenAI's ``error.code`` and Azure's nested ``innererror`` codes at any depth.
    """
    error = error_object(data)
    node: Any = error
    while isinstance(node, dict):
        if node.get("code") in CONTENT_FILTER_CODES or node.get("type") in CONTENT_FILTER_CODES:
            return server_message(data, scrub) or scrub(str(node.get("code") or node.get("type")))
        node = node.get("innererror") or node.get("inner_error")
    return None
