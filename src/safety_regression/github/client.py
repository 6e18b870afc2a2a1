"""The project's GitHub REST client: typed calls, bounded retries, fix-first errors.

One ``GitHubClient`` talks to one repository. Each method sends one documented REST
call (or walks its pages) and parses the answer into a model from ``github.models``.
The exchange under it (retries, rate limits, errors that lead with the fix, a token
that goes nowhere but the API origin) is ``github.rest.RestSession``.

Writes are retried too: a 502 can hide a comment that was in fact created, so a retried
POST can, rarely, leave a duplicate. The Action finds its comment by a marker and updates
it, so later runs do not add more.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from safety_regression.github.models import (
    CheckConclusion,
    CheckRun,
    CheckStatus,
    CollaboratorPermission,
    CommitState,
    CommitStatus,
    ContentFile,
    IssueComment,
    Permission,
    PullRequest,
    RateLimit,
    Reaction,
    ReactionContent,
)
from safety_regression.github.refusals import Call
from safety_regression.github.rest import (
    API_VERSION,
    MAX_PAGES,
    PER_PAGE,
    RestSession,
    Sleep,
    api_url_problem,
)

__all__ = [
    "API_VERSION",
    "MAX_PAGES",
    "PER_PAGE",
    "STATUS_DESCRIPTION_LIMIT",
    "TEXT_LIMIT",
    "GitHubClient",
    "Sleep",
    "api_url_problem",
]

TEXT_LIMIT = 65_535
"""Characters GitHub accepts in a comment body and in a check run's summary or text."""
STATUS_DESCRIPTION_LIMIT = 140

_COMMENTS_SCOPE = "issues: write or pull-requests: write"


class GitHubClient(RestSession):
    """Typed calls to the GitHub REST API for one repository."""

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

    async def get_file(self, path: str, ref: str) -> ContentFile | None:
        """The file at ``path`` (from the repository root) in commit ``ref``; None when
        there is none (404). Files over 1 MB come back with empty ``content``."""
        call = self._call("GET", f"/contents/{quote(path, safe='/')}", "contents: read")
        data = await self._json_unless_missing(call, {"ref": ref})
        return None if data is None else self._parse(ContentFile, data, call)

    async def get_rate_limit(self) -> RateLimit:
        """The token's core REST budget (this call does not spend it)."""
        call = Call("GET", "/rate_limit", "no permission")
        data = await self._json(call)
        resources = data.get("resources") if isinstance(data, dict) else None
        core = resources.get("core") if isinstance(resources, dict) else None
        return self._parse(RateLimit, core, call)


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
