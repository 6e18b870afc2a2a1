"""Client-side rate limits per endpoint identity: requests and tokens per minute, and the
pause a server's ``Retry-After`` asks for.

The caps hold in every 60-second window, not on average. The limiter remembers when each
request of the last minute was sent and what it weighs, and sends the next one only once
it fits beside them: a run may use a minute's allowance at once, then waits until the
first of those requests is a minute old. (A bucket that starts full and refills evenly,
as before, let twice the cap through in the first minute.) A start is held for
``WINDOW * (1 + MARGIN)`` (60.6 s): the provider sees each request a little after it is
sent, and not always equally late, so one held exactly 60 s could land in the
provider's minute beside the one it replaced.

Tokens: a request weighs its estimate when it is sent (``payload_tokens``: the prompt at
about four characters a token plus its ``max_tokens``, as providers count a request
before it runs), and, once its reply reports what it used, that usage when it is more.

A 429 (or a 503 with ``Retry-After``) pauses every request to that endpoint until then
(``pause``), not only the one that was told, whether or not a cap is configured.

Shards run on separate runners and cannot see each other's requests: give each of N
shards 1/N of the provider's limit (the README, "Rate limits"; docs/performance.md).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

WINDOW = 60.0
"""Seconds over which ``requests_per_minute`` and ``tokens_per_minute`` are counted."""
MARGIN = 0.01
"""Each start is held this share of the window longer than the window (0.6 s of 60)."""


@dataclass(slots=True)
class Start:
    """One request the limiter let through: when, and its weight in tokens."""

    at: float
    tokens: int
    counted: bool = True
    """Still in the window (its weight is part of the window's sum)."""


class RateLimiter:
    """Requests and tokens per minute (either may be None: unlimited), and the
    endpoint's ``Retry-After`` pause."""

    def __init__(
        self,
        requests_per_minute: int | None,
        tokens_per_minute: int | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        window: float = WINDOW,
    ) -> None:
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self.window = window
        self._hold = window * (1 + MARGIN)
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[Start] = deque()
        self._tokens = 0
        """The weight of the starts in the window."""
        self._paused_until = clock()
        self._lock = asyncio.Lock()

    @property
    def limited(self) -> bool:
        """Whether a cap is set (an unlimited limiter only pauses for a Retry-After)."""
        return bool(self.requests_per_minute or self.tokens_per_minute)

    def open(self) -> bool:
        """Whether a request may go now without ``acquire``: no cap is set and no pause
        holds the endpoint (the usual case, checked without a coroutine or the request's
        token estimate)."""
        return not self.limited and self._paused_until <= self._clock()

    def configure(self, requests_per_minute: int | None, tokens_per_minute: int | None) -> None:
        """Set the caps of a limiter that has none yet; the first caps configured stay."""
        if not self.limited:
            self.requests_per_minute = requests_per_minute
            self.tokens_per_minute = tokens_per_minute

    def pause(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` (the server's Retry-After)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def acquire(self, tokens: int) -> Start | None:
        """Wait until no pause holds the endpoint and one request of ``tokens`` tokens fits
        in the window, then count it as sent now. Requests are let through in the order
        they asked. The start is returned for ``settle`` (None when nothing is capped)."""
        if not self.limited and self._paused_until <= self._clock():
            return None
        async with self._lock:  # first come, first served
            while True:
                now = self._clock()
                wait = self._paused_until - now
                if wait <= 0:
                    wait = self._room(tokens, now)
                    if wait <= 0:
                        return self._count(tokens, now) if self.limited else None
                await self._sleep(wait)

    def settle(self, start: Start | None, used: int) -> None:
        """The reply to ``start``'s request reported ``used`` tokens: it weighs that from
        now on when it is more than the estimate it was sent with."""
        if start is None or not start.counted or not self.tokens_per_minute:
            return
        used = min(used, self.tokens_per_minute)
        if used > start.tokens:
            self._tokens += used - start.tokens
            start.tokens = used

    def _weight(self, tokens: int) -> int:
        # A request larger than a whole minute's allowance is sent alone in its window.
        return min(tokens, self.tokens_per_minute) if self.tokens_per_minute else 0

    def _room(self, tokens: int, now: float) -> float:
        """Seconds until a request of ``tokens`` fits in the window (0: it fits now)."""
        starts = self._starts
        while starts and starts[0].at + self._hold <= now:
            gone = starts.popleft()
            gone.counted = False
            self._tokens -= gone.tokens
        wait = 0.0
        per_minute = self.requests_per_minute
        if per_minute and len(starts) >= per_minute:
            # The one that leaves room for a request: oldest first.
            wait = starts[len(starts) - per_minute].at + self._hold - now
        excess = self._tokens + self._weight(tokens) - (self.tokens_per_minute or 0)
        if self.tokens_per_minute and excess > 0:
            for start in starts:
                excess -= start.tokens
                if excess <= 0:
                    wait = max(wait, start.at + self._hold - now)
                    break
        return wait

    def _count(self, tokens: int, now: float) -> Start:
        start = Start(at=now, tokens=self._weight(tokens))
        self._starts.append(start)
        self._tokens += start.tokens
        return start


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
