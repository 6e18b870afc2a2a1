"""The project's GitHub REST client: typed calls, bounded retries, fix-first errors.

One ``GitHubClient`` talks to one repository. Each method sends one documented REST
call (or walks its pages) and parses the answer into a model from ``github.models``.
Server errors, 429 and rate-limited 403s are retried a bounded number of times; every
other failure is a ``GitHubError`` whose one-line message says what to fix. The token
is sent only to the configured API origin and never appears in a message.

Writes are retried too: a 502 can hide a comment that was in fact created, so a retried
POST can, rarely, leave a duplicate. The Action finds its comment by a marker and updates
it, so later runs do not add more.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
from pydantic import BaseModel, ValidationError
from yarl import URL

from safety_regression._version import __version__
from safety_regression.endpoints.base import RetryDecision
from safety_regression.endpoints.retry import FailedAttempt, parse_retry_after, retry_delay, should_retry
from safety_regression.errors import GitHubError
from safety_regression.github.models import (
    CheckConclusion,
    CheckRun,
    CheckStatus,
    CollaboratorPermission,
    CommitState,
    CommitStatus,
    IssueComment,
    Permission,
    PullRequest,
    RateLimit,
    Reaction,
    ReactionContent,
)
from safety_regression.github.refusals import Call, Refused, exhausted, refusal, server_message
from safety_regression.yamlsource import parse_json

API_VERSION = "2022-11-28"
TEXT_LIMIT = 65_535
"""Characters GitHub accepts in a comment body and in a check run's summary or text."""
STATUS_DESCRIPTION_LIMIT = 140
MAX_PAGES = 50
PER_PAGE = 100
# GitHub asks for at least a minute after a secondary rate limit that names no wait;
# backoff_max caps it so a gate still finishes.
_UNNAMED_RATE_LIMIT_WAIT = 60.0
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")

Sleep = Callable[[float], Awaitable[None]]
Model = TypeVar("Model", bound=BaseModel)

_COMMENTS_SCOPE = "issues: write or pull-requests: write"


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


class GitHubClient:
    """Typed calls to the GitHub REST API for one repository."""

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

    # Issue comments (a pull request's conversation is its issue's comments).

    async def list_issue_comments(self, issue_number: int) -> list[IssueComment]:
        """Every comment on the issue or pull request, oldest first, across all pages."""
        call = self._call("GET", f"/issues/{issue_number}/comments", _COMMENTS_SCOPE)
        items = await self._paginate(call, lambda data: data)
        return self._parse_list(IssueComment, items, call)

    async def create_issue_comment(self, issue_number: int, body: str) -> IssueComment:
        _check_length("comment body", body)
        call = self._call("POST", f"/issues/{issue_number}/comments", _COMMENTS_SCOPE)
        return self._parse(IssueComment, await self._json(call, {"body": body}), call)

    async def update_issue_comment(self, comment_id: int, body: str) -> IssueComment:
        _check_length("comment body", body)
        call = self._call("PATCH", f"/issues/comments/{comment_id}", _COMMENTS_SCOPE)
        return self._parse(IssueComment, await self._json(call, {"body": body}), call)

    async def add_reaction(self, comment_id: int, content: str) -> Reaction:
        """React to an issue comment; reacting twice with the same content is harmless."""
        reaction = ReactionContent(content)
        call = self._call("POST", f"/issues/comments/{comment_id}/reactions", _COMMENTS_SCOPE)
        return self._parse(Reaction, await self._json(call, {"content": reaction.value}), call)

    # Check runs and commit statuses.

    async def create_check_run(
        self,
        head_sha: str,
        name: str,
        *,
        status: str,
        conclusion: str | None = None,
        title: str,
        summary: str,
        text: str | None = None,
        details_url: str | None = None,
        annotations: list[dict[str, Any]] | None = None,
    ) -> CheckRun:
        payload: dict[str, Any] = {"head_sha": head_sha, "name": name}
        payload |= _check_state(status, conclusion)
        payload["output"] = _check_output(title, summary, text, annotations)
        if details_url is not None:
            payload["details_url"] = details_url
        call = self._call("POST", "/check-runs", "checks: write")
        return self._parse(CheckRun, await self._json(call, payload), call)

    async def update_check_run(
        self,
        check_run_id: int,
        *,
        status: str | None = None,
        conclusion: str | None = None,
        title: str | None = None,
        summary: str | None = None,
        text: str | None = None,
        details_url: str | None = None,
        annotations: list[dict[str, Any]] | None = None,
    ) -> CheckRun:
        """Change only what is given; an output change needs ``summary`` (GitHub's rule).

        Annotations are appended to the run's earlier ones, at most 50 per call.
        """
        payload: dict[str, Any] = {}
        if status is not None or conclusion is not None:
            payload |= _check_state(status or CheckStatus.COMPLETED, conclusion)
        if summary is not None:
            payload["output"] = _check_output(title, summary, text, annotations)
        elif title is not None or text is not None or annotations:
            raise ValueError("updating a check run's title, text or annotations needs its summary too")
        if details_url is not None:
            payload["details_url"] = details_url
        call = self._call("PATCH", f"/check-runs/{check_run_id}", "checks: write")
        return self._parse(CheckRun, await self._json(call, payload), call)

    async def list_check_runs(self, ref: str, check_name: str | None = None) -> list[CheckRun]:
        """The latest check run of each name on a commit (SHA, branch or tag), across all pages."""
        call = self._call("GET", f"/commits/{quote(ref, safe='/')}/check-runs", "checks: read")
        query = {"check_name": check_name} if check_name is not None else {}
        items = await self._paginate(call, lambda data: data["check_runs"], query)
        return self._parse_list(CheckRun, items, call)

    async def create_status(
        self, sha: str, state: str, context: str, description: str, target_url: str | None = None
    ) -> CommitStatus:
        if len(description) > STATUS_DESCRIPTION_LIMIT:
            raise ValueError(f"status description has {len(description)} characters; GitHub allows 140")
        payload: dict[str, Any] = {"state": CommitState(state).value, "context": context}
        payload["description"] = description
        if target_url is not None:
            payload["target_url"] = target_url
        call = self._call("POST", f"/statuses/{quote(sha, safe='')}", "statuses: write")
        return self._parse(CommitStatus, await self._json(call, payload), call)

    # Who is asking, and about what.

    async def get_permission(self, username: str) -> Permission:
        """The user's base permission: admin, write, read or none."""
        call = self._call("GET", f"/collaborators/{quote(username, safe='')}/permission", "metadata: read")
        return self._parse(CollaboratorPermission, await self._json(call), call).permission

    async def get_pull(self, number: int) -> PullRequest:
        call = self._call("GET", f"/pulls/{number}", "pull-requests: read")
        return self._parse(PullRequest, await self._json(call), call)

    async def get_rate_limit(self) -> RateLimit:
        """The token's core REST budget (this call does not spend it)."""
        call = Call("GET", "/rate_limit", "no permission")
        data = await self._json(call)
        resources = data.get("resources") if isinstance(data, dict) else None
        core = resources.get("core") if isinstance(resources, dict) else None
        return self._parse(RateLimit, core, call)

    # The HTTP exchange.

    def _call(self, method: str, route: str, scope: str) -> Call:
        return Call(method, f"/repos/{self.repository}{route}", scope)

    def _url(self, call: Call) -> URL:
        return self._base.with_path(self._base.raw_path.rstrip("/") + call.path, encoded=True)

    async def _json(self, call: Call, payload: Mapping[str, Any] | None = None) -> Any:
        return (await self._send(call, self._url(call), payload)).data

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

    async def _send(self, call: Call, url: URL, payload: Mapping[str, Any] | None) -> _Reply:
        total = self._max_retries + 1
        attempt = 1
        while True:
            outcome = await self._attempt(url, call.method, payload)
            if isinstance(outcome, _Reply):
                return outcome
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
                method, url, json=payload, headers=self._headers, timeout=self._timeout
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

    def _scrub(self, text: str) -> str:
        # A real token is 40+ characters; scrubbing a toy one would garble every message.
        return text.replace(self._token, "***") if len(self._token) >= 8 else text


def _check_length(what: str, text: str) -> None:
    if len(text) > TEXT_LIMIT:
        raise ValueError(f"{what} has {len(text)} characters; GitHub allows {TEXT_LIMIT}: shorten it first")


def _check_state(status: str, conclusion: str | None) -> dict[str, str]:
    state = CheckStatus(status)
    if conclusion is None:
        if state is CheckStatus.COMPLETED:
            raise ValueError("a completed check run needs a conclusion")
        return {"status": state.value}
    if state is not CheckStatus.COMPLETED:
        raise ValueError(f"a check run with a conclusion is completed, not {state.value}")
    return {"status": state.value, "conclusion": CheckConclusion(conclusion).value}


def _check_output(
    title: str | None, summary: str, text: str | None, annotations: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    output: dict[str, Any] = {"summary": summary} if title is None else {"title": title, "summary": summary}
    _check_length("check run summary", summary)
    if text is not None:
        _check_length("check run text", text)
        output["text"] = text
    if annotations:
        if len(annotations) > 50:
            raise ValueError(f"{len(annotations)} annotations in one request; GitHub takes 50")
        if title is None:
            raise ValueError("a check run's annotations need its output title too")
        output["annotations"] = annotations
    return output
