"""When a failed attempt is worth repeating, and how long to wait first.

Pure functions: no I/O and no clock of their own, so every decision is testable. The
endpoint describes each failed attempt as a ``FailedAttempt``; ``should_retry`` turns it
into a ``RetryDecision`` and ``retry_delay`` into seconds to wait. Retries are always
bounded by the caller's ``max_retries``: a CI gate must terminate.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from safety_regression.endpoints.base import RetryDecision

# Statuses a server uses for "try again" that are not 5xx (429 is its own decision).
_TRANSIENT_CLIENT_STATUSES = frozenset({408, 409, 425})


def asks_to_try_again(status: int) -> bool:
    """Whether an HTTP status says "not now" rather than "no": a 5xx, 429 or 408/409/425.
    The run's retries and the endpoint checks read statuses by this one list."""
    return status >= 500 or status == 429 or status in _TRANSIENT_CLIENT_STATUSES


@dataclass(frozen=True)
class FailedAttempt:
    """One attempt that produced no usable answer.

    ``status`` is None when no HTTP response arrived (timeout, refused connection).
    A status below 400 means the server claimed success but sent a broken body.
    """

    reason: str
    """Short, secret-free description, e.g. ``HTTP 500`` or ``timeout (60s)``."""
    status: int | None = None
    retry_after: float | None = None
    """Seconds the server asked us to wait (already parsed from Retry-After)."""


def should_retry(failure: FailedAttempt) -> RetryDecision:
    """Classify a failed attempt: transient (back off), rate-limited, or fatal."""
    status = failure.status
    if status is not None and 300 <= status < 400:
        # A redirect is not followed (a POST must not become a GET or go to another host),
        # and asking again gets the same redirect.
        return RetryDecision.FATAL
    if status is None or status < 400:
        # No response at all, or a 2xx whose body was broken: a flaky network or server.
        return RetryDecision.TRANSIENT
    if status == 429:
        return RetryDecision.RATE_LIMITED
    if status == 503 and failure.retry_after is not None:
        return RetryDecision.RATE_LIMITED
    if asks_to_try_again(status):
        return RetryDecision.TRANSIENT
    return RetryDecision.FATAL


def retry_delay(
    decision: RetryDecision,
    failure: FailedAttempt,
    attempt: int,
    jitter_key: str,
    backoff_base: float,
    backoff_max: float,
) -> float:
    """Seconds to wait before attempt ``attempt + 1``.

    A rate-limited attempt waits what the server asked for, capped at ``backoff_max``
    so a hostile Retry-After cannot stall the gate. Everything else backs off
    exponentially with "equal jitter" (half fixed, half spread), the spread derived
    from ``jitter_key`` and the attempt so a rerun waits exactly as long.
    """
    if decision is RetryDecision.RATE_LIMITED and failure.retry_after is not None:
        return min(max(failure.retry_after, 0.0), backoff_max)
    ceiling = min(backoff_max, backoff_base * 2.0 ** (attempt - 1))
    return ceiling * (0.5 + 0.5 * _unit_fraction(f"{jitter_key}:{attempt}"))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delay-seconds or an HTTP-date; None if unusable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if seconds == seconds else None  # NaN is unusable
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    reference = now if now is not None else datetime.now(UTC)
    return max((when - reference).total_seconds(), 0.0)


def parse_retry_after_ms(value: str | None) -> float | None:
    """Seconds from the ``retry-after-ms`` header some OpenAI-style servers send."""
    if value is None:
        return None
    try:
        milliseconds = float(value.strip())
    except ValueError:
        return None
    return max(milliseconds, 0.0) / 1000.0 if milliseconds == milliseconds else None


def _unit_fraction(text: str) -> float:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
