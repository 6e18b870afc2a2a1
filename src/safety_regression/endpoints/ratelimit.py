"""Client-side rate limits: requests and tokens per minute, per endpoint identity.

Two token buckets, each holding at most one minute's allowance and refilling evenly, so
a run starts at once and then settles at the configured rate. A request waits until both
buckets hold its share. A 429 with ``Retry-After`` pauses every request to that endpoint
until then (``pause``), not only the one that was told.

Shards run on separate runners and cannot see each other's requests: give each of N
shards 1/N of the provider's limit (see the README, "Rate limits and budgets").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class RateLimiter:
    """Requests and tokens per minute; either may be None (unlimited)."""

    def __init__(
        self,
        requests_per_minute: int | None,
        tokens_per_minute: int | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self._clock = clock
        self._sleep = sleep
        now = clock()
        self._updated = now
        self._requests = float(requests_per_minute or 0)
        self._tokens = float(tokens_per_minute or 0)
        self._paused_until = now
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` (the server's Retry-After)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def acquire(self, tokens: int) -> None:
        """Wait until one request of ``tokens`` tokens fits, then take it from the buckets."""
        # A request larger than a whole minute's allowance waits for a full bucket only.
        tokens = min(tokens, self.tokens_per_minute or 0)
        async with self._lock:  # first come, first served
            while True:
                wait = self._paused_until - self._clock()
                if wait <= 0:
                    self._refill()
                    wait = max(
                        _shortfall(self._requests, 1, self.requests_per_minute),
                        _shortfall(self._tokens, tokens, self.tokens_per_minute),
                    )
                    if wait <= 0:
                        if self.requests_per_minute:
                            self._requests -= 1
                        if self.tokens_per_minute:
                            self._tokens -= tokens
                        return
                await self._sleep(wait)

    def _refill(self) -> None:
        now = self._clock()
        elapsed, self._updated = now - self._updated, now
        if self.requests_per_minute:
            self._requests = min(
                float(self.requests_per_minute), self._requests + elapsed * self.requests_per_minute / 60
            )
        if self.tokens_per_minute:
            self._tokens = min(
                float(self.tokens_per_minute), self._tokens + elapsed * self.tokens_per_minute / 60
            )


def _shortfall(held: float, needed: float, per_minute: int | None) -> float:
    """Seconds until a bucket refilling at ``per_minute`` holds ``needed``."""
    if not per_minute or held >= needed:
        return 0.0
    return (needed - held) * 60 / per_minute


def payload_tokens(payload: dict[str, object]) -> int:
    """A request's weight against tokens per minute, as providers count it: the estimated
    prompt tokens (about four characters each) plus the ``max_tokens`` it may use."""
    messages = payload.get("messages")
    chars = 0
    if isinstance(messages, list):
        chars = sum(len(str(m.get("content") or "")) for m in messages if isinstance(m, dict))
    text = payload.get("input")
    if isinstance(text, str):
        chars += len(text)
    max_tokens = payload.get("max_tokens")
    return -(-chars // 4) + (max_tokens if isinstance(max_tokens, int) else 0)
