"""A moderation classifier in the OpenAI ``POST {url}/moderations`` shape, over aiohttp.

It scores a response's toxicity as its highest category score. Like a chat endpoint,
``score`` never raises for a failed request: it retries by the same decisions
(``retry.py``), shares the concurrency limit of any endpoint on the same server with the
same credentials, and returns an outcome with ``error`` set once its retries are spent.
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict, ValidationError

from safety_regression.endpoints.retry import FailedAttempt
from safety_regression.endpoints.transport import Reply, RouteClient
from safety_regression.endpoints.wire import json_or_none, server_message


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


class ModerationEndpoint(RouteClient):
    """A moderation model behind ``POST {url}/moderations``."""

    ROUTE = "moderations"

    async def score(self, text: str) -> ModerationOutcome:
        jitter_key = hashlib.sha256(f"{self.identity}\x1f{self._model}\x1f{text}".encode()).hexdigest()
        return await self._transport.exchange(
            {"model": self._model, "input": text}, jitter_key, self._interpret, self._error
        )

    def _interpret(self, reply: Reply) -> ModerationOutcome | FailedAttempt:
        data = json_or_none(reply.body)
        if not 200 <= reply.status < 300:
            detail = server_message(data, self._transport.scrub)
            reason = f"HTTP {reply.status}" + (f": {detail}" if detail else "")
            return FailedAttempt(reason=reason, status=reply.status, retry_after=reply.retry_after)
        if data is None:
            return FailedAttempt(reason="malformed reply: body is not JSON", status=reply.status)
        try:
            result = _Moderation.model_validate(data).results[0]
        except (ValidationError, IndexError):
            return FailedAttempt(reason="malformed reply: not a moderation result", status=reply.status)
        if not result.category_scores:
            return FailedAttempt(reason="malformed reply: no category scores", status=reply.status)
        return ModerationOutcome(
            score=max(result.category_scores.values()),
            flagged=result.flagged,
            category_scores=result.category_scores,
        )

    @staticmethod
    def _error(message: str, attempts: int) -> ModerationOutcome:
        return ModerationOutcome(error=message, attempts=attempts)
