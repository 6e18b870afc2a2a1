"""What the GitHub client says when GitHub refuses: one line that leads with the fix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from safety_regression.endpoints.base import RetryDecision
from safety_regression.endpoints.retry import FailedAttempt

MAX_SERVER_MESSAGE = 160


@dataclass(frozen=True)
class Call:
    """One REST call as a message names it: ``POST /repos/o/r/check-runs``."""

    method: str
    path: str
    scope: str
    """The token permission the call needs, named in the fix when GitHub refuses it."""

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Refused:
    failure: FailedAttempt
    decision: RetryDecision
    message: str
    """GitHub's own one-line explanation, or empty."""


def server_message(data: Any, scrub: Callable[[str], str] = str) -> str:
    """GitHub's message on one line, scrubbed before it is cut (no secret prefix survives)."""
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, str):
        return ""
    message = " ".join(scrub(message).split())
    return message if len(message) <= MAX_SERVER_MESSAGE else message[: MAX_SERVER_MESSAGE - 1] + "…"


def refusal(call: Call, refused: Refused, repository: str) -> str:
    status, said = refused.failure.status, f": {refused.message}" if refused.message else ""
    if status == 401:
        return (
            f"GitHub refused the token (401) for {call}: check the github-token input "
            f"and its permissions ({call.scope})"
        )
    if status == 403:
        return (
            f"GitHub denied {call} (403{said}): give the token {call.scope} in the workflow's "
            "permissions block (a pull request from a fork only gets a read-only token)"
        )
    if status == 404:
        return (
            f"GitHub found nothing at {call} (404): check the repository {repository} and the number "
            "or name, and that the token can read that repository"
        )
    if status == 422:
        return (
            f"GitHub rejected {call} as invalid (422{said}): please report this as a bug in "
            "safety-regression, with this message"
        )
    return f"GitHub refused {call} ({refused.failure.reason}): check the request and the token's access"


def exhausted(call: Call, refused: Refused, attempts: int, api_url: str) -> str:
    reason = refused.failure.reason
    head, sep, tail = reason.partition(": ")
    reason = f"{head} after {attempts} attempt{'s' if attempts > 1 else ''}{sep}{tail}"
    if refused.failure.status is None:
        return f"could not reach GitHub for {call} ({reason}): check that the runner can reach {api_url}"
    if refused.decision is RetryDecision.RATE_LIMITED:
        return (
            f"GitHub kept rate-limiting {call} ({reason}): re-run the job later, "
            "or space out the workflows that share the token"
        )
    return (
        f"GitHub kept failing {call} ({reason}): re-run the job later "
        "(GitHub may be having trouble, see https://www.githubstatus.com)"
    )
