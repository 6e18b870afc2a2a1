"""Replies scrubbed of the run's secrets as they arrive, before anything keeps them.

A model (or a judge model) that echoes its API key, or the GitHub token it was told,
in a completion must not put it into the response cache, the snapshot, a report or a
pull-request comment. ``ScrubbedEndpoint`` sits between the meter and the cache (the
meter counts what the server sent; the cache and everything after it see the reply
scrubbed): every text of the outcome loses every form of every secret ``redaction``
knows, and the prefixes of 12 characters or more. Replies that an older version cached
unscrubbed are scrubbed as they are read (``CachedEndpoint``, ``scrubbed_outcome``).
"""

from __future__ import annotations

from collections.abc import Sequence

from safety_regression.endpoints.base import ChatOutcome, ChatRequest, Endpoint, EndpointWrapper
from safety_regression.redaction import MIN_SECRET_CHARS, holds_secret, scrub

_TEXTS = ("text", "error", "finish_reason")


def scrubbed_outcome(outcome: ChatOutcome, secrets: Sequence[str]) -> ChatOutcome:
    """``outcome`` with every form in ``secrets`` (``redaction.all_forms``) scrubbed from its
    texts; itself when none holds one. The original length of a cut reply is kept."""
    update: dict[str, str] = {}
    for name in _TEXTS:
        value = getattr(outcome, name)
        if value is not None and holds_secret(value, secrets):
            update[name] = scrub(value, secrets)
    return outcome.model_copy(update=update) if update else outcome


class ScrubbedEndpoint(EndpointWrapper):
    """An endpoint whose replies are scrubbed of ``secrets`` (forms, ``all_forms``)."""

    def __init__(self, endpoint: Endpoint, secrets: Sequence[str]) -> None:
        super().__init__(endpoint)
        self.secrets = [secret for secret in secrets if len(secret) >= MIN_SECRET_CHARS]

    async def complete(self, request: ChatRequest) -> ChatOutcome:
        outcome = await self._endpoint.complete(request)
        return scrubbed_outcome(outcome, self.secrets) if self.secrets else outcome
