"""The HTTP exchange under the GitHub client: one call, bounded retries, fix-first errors.

``RestSession`` sends one REST call (or walks its pages) to one repository's API and
hands back the parsed JSON. Server errors, 429 and rate-limited 403s are retried a
bounded number of times; every other failure is a ``GitHubError`` whose one-line message
says what to fix. The token is sent only to the configured API origin and never appears
in a message. Nor in what is sent: every text of a request body (a comment, a check
run's output, a review reply) is scrubbed of the known secrets, the token and the API
keys the run was given (``protect``), in every spelling ``redaction`` knows. The typed
calls are in ``github.client``.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel, ValidationError
from yarl import URL

from safety_regression._version import __version__
from safety_regression.endpoints.base import RetryDecision
from safety_regression.endpoints.retry import FailedAttempt, parse_retry_after, retry_delay, should_retry
from safety_regression.errors import GitHubError
from safety_regression.github.refusals import Call, Refused, exhausted, refusal, server_message
from safety_regression.jsontext import parse_json
from safety_regression.redaction import all_forms, holds_secret, scrub

API_VERSION = "2022-11-28"
MAX_PAGES = 50
PER_PAGE = 100
# GitHub asks for at least a minute after a secondary rate limit that names no wait;
# backoff_max caps it so a gate still finishes.
_UNNAMED_RATE_LIMIT_WAIT = 60.0
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")

Sleep = Callable[[float], Awaitable[None]]
Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class _Reply:
    data: Any
    next_url: URL | None


def api_url_problem(api_url: str) -> str | None:
    """Why ``api_url`` cannot be the GitHub REST API's base URL; None when it can."""
    fix = "set GITHUB_API_URL to http(s)://host[/path] without credentials or query"
    try:
        base = URL(api_url)
        usable = base.absolute and base.scheme in ("http", "https") and bool(base.host)
        usable = usable and not (base.user or base.password or base.query_string)
    except (ValueError, TypeError):
        usable = False
    return None if usable else fix


class RestSession:
    """One repository's REST API: sending calls, retrying, and parsing the answers."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_url: str,
        token: str,
        repository: str,
        sleep: Sleep = asyncio.sleep,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
        secrets: Iterable[str] = (),
    ) -> None:
        problem = api_url_problem(api_url)
        if problem:
            shown = api_url if "@" not in api_url and "?" not in api_url else "(not shown)"
            raise GitHubError(f"GitHub API URL {shown!r} is not usable: {problem}")
        base = URL(api_url)
        if not token.strip():
            raise GitHubError("the GitHub token is empty: pass one in the github-token input")
        if not _REPOSITORY.match(repository):
            raise GitHubError(f"repository {repository!r} is not owner/name: check GITHUB_REPOSITORY")
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {max_retries}")
        self._session = session
        self._base = base.with_path(base.path.rstrip("/"))
        self._token = token
        self._secrets: list[str] = []
        self.protect([*all_forms([token]), *secrets])
        self.repository = repository
        self._sleep = sleep
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._timeout_seconds = timeout
        self._clock = clock
        self._headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"safety-regression-action/{__version__}",
            "Authorization": f"Bearer {token}",
        }

    # The HTTP exchange.

    def _call(self, method: str, route: str, scope: str) -> Call:
        return Call(method, f"/repos/{self.repository}{route}", scope)

    def _url(self, call: Call) -> URL:
        return self._base.with_path(self._base.raw_path.rstrip("/") + call.path, encoded=True)

    async def _json(self, call: Call, payload: Mapping[str, Any] | None = None) -> Any:
        return (await self._send(call, self._url(call), payload)).data

    async def _json_unless_missing(self, call: Call, query: Mapping[str, str]) -> Any:
        """The answer's JSON, or None when GitHub answers 404: nothing at that path."""
        return (await self._send(call, self._url(call).with_query(query), None, missing=True)).data

    async def _paginate(
        self, call: Call, items: Callable[[Any], Any], query: Mapping[str, str] | None = None
    ) -> list[Any]:
        url = self._url(call).with_query({**(query or {}), "per_page": str(PER_PAGE)})
        collected: list[Any] = []
        for _ in range(MAX_PAGES):
            reply = await self._send(call, url, None)
            try:
                page = items(reply.data)
            except (KeyError, TypeError) as exc:
                raise self._shape_error(call, f"no {exc} in a page") from None
            if not isinstance(page, list):
                raise self._shape_error(call, "a page is not a list")
            collected.extend(page)
            if reply.next_url is None:
                return collected
            if reply.next_url.origin() != self._base.origin():
                # The token must never travel to another host, whatever a Link header says.
                raise GitHubError(
                    f"GitHub's next page of {call} is on {reply.next_url.origin()}, not "
                    f"{self._base.origin()}: check the API URL (the token is only sent to it)"
                )
            url = reply.next_url
        raise GitHubError(
            f"{call} has more than {MAX_PAGES} pages of {PER_PAGE}: the Action reads no further; "
            "tidy up the pull request's comments or check runs"
        )

    async def _send(
        self, call: Call, url: URL, payload: Mapping[str, Any] | None, missing: bool = False
    ) -> _Reply:
        total = self._max_retries + 1
        attempt = 1
        while True:
            outcome = await self._attempt(url, call.method, payload)
            if isinstance(outcome, _Reply):
                return outcome
            if missing and outcome.failure.status == 404:
                return _Reply(None, None)
            if outcome.decision is RetryDecision.FATAL:
                raise GitHubError(self._scrub(refusal(call, outcome, self.repository)))
            if attempt == total:
                raise GitHubError(self._scrub(exhausted(call, outcome, total, str(self._base))))
            backoff = (self._backoff_base, self._backoff_max)
            await self._sleep(retry_delay(outcome.decision, outcome.failure, attempt, str(call), *backoff))
            attempt += 1

    async def _attempt(self, url: URL, method: str, payload: Mapping[str, Any] | None) -> _Reply | Refused:
        try:
            async with self._session.request(
                method, url, json=self._scrubbed(payload), headers=self._headers, timeout=self._timeout
            ) as response:
                body = await response.read()
                status, headers = response.status, response.headers
                next_link = response.links.get("next")
                next_url = next_link.get("url") if next_link is not None else None
        except TimeoutError:
            failure = FailedAttempt(reason=f"timeout ({self._timeout_seconds:g}s)")
            return Refused(failure, RetryDecision.TRANSIENT, "")
        except aiohttp.ClientError as exc:
            failure = FailedAttempt(reason=f"connection failed: {type(exc).__name__}: {exc}")
            return Refused(failure, RetryDecision.TRANSIENT, "")
        try:
            data = parse_json(body) if body else None
        except ValueError:
            data = None
            if status < 300:
                failure = FailedAttempt(reason=f"HTTP {status} with a body that is not JSON", status=status)
                return Refused(failure, RetryDecision.TRANSIENT, "")
        if status < 300:
            return _Reply(data, next_url if isinstance(next_url, URL) else None)
        return self._classify(status, headers, data)

    def _classify(self, status: int, headers: Mapping[str, str], data: Any) -> Refused:
        message = server_message(data, self._scrub)
        reason = f"HTTP {status}: {message}" if message else f"HTTP {status}"
        wait = self._rate_limit_wait(status, headers, message)
        if wait is not None:
            failure = FailedAttempt(reason=reason, status=status, retry_after=wait)
            return Refused(failure, RetryDecision.RATE_LIMITED, message)
        retry_after = parse_retry_after(headers.get("Retry-After"))
        failure = FailedAttempt(reason=reason, status=status, retry_after=retry_after)
        return Refused(failure, should_retry(failure), message)

    def _rate_limit_wait(self, status: int, headers: Mapping[str, str], message: str) -> float | None:
        """Seconds GitHub asks for when this answer is a rate limit; None when it is not one."""
        if status not in (403, 429):
            return None
        retry_after = parse_retry_after(headers.get("Retry-After"))
        if retry_after is not None:
            return retry_after
        if headers.get("x-ratelimit-remaining") == "0":
            try:
                return max(float(headers.get("x-ratelimit-reset", "")) - self._clock(), 0.0)
            except ValueError:
                return _UNNAMED_RATE_LIMIT_WAIT
        if status == 429 or "rate limit" in message.lower():
            return _UNNAMED_RATE_LIMIT_WAIT
        return None

    def _parse(self, model: type[Model], data: Any, call: Call) -> Model:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise self._shape_error(call, exc) from None

    def _parse_list(self, model: type[Model], items: list[Any], call: Call) -> list[Model]:
        return [self._parse(model, item, call) for item in items]

    def _shape_error(self, call: Call, problem: ValidationError | str) -> GitHubError:
        if isinstance(problem, ValidationError):
            first = problem.errors()[0]
            problem = f"{'.'.join(str(part) for part in first['loc']) or 'the answer'}: {first['msg']}"
        return GitHubError(
            f"GitHub's answer to {call} has an unexpected shape ({problem}): "
            f"check that {self._base} is a GitHub REST API URL"
        )

    def protect(self, secrets: Iterable[str]) -> None:
        """Scrub ``secrets`` (forms, ``redaction.all_forms``) from every request body and
        message from now on, as well as the token (a toy token under 8 characters is not
        scrubbed: it would garble every message)."""
        known = dict.fromkeys([*self._secrets, *secrets])
        self._secrets = sorted(known, key=lambda form: (-len(form), form))

    def _scrub(self, text: str) -> str:
        return scrub(text, self._secrets) if self._secrets else text

    def _scrubbed(self, payload: Any) -> Any:
        """``payload`` with every string in it (keys too) scrubbed (``_scrub``)."""
        if isinstance(payload, str):
            return self._scrub(payload) if holds_secret(payload, self._secrets) else payload
        if isinstance(payload, Mapping):
            return {self._scrubbed(key): self._scrubbed(value) for key, value in payload.items()}
        if isinstance(payload, list | tuple):
            return [self._scrubbed(item) for item in payload]
        return payload
