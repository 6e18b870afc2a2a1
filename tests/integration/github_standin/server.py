"""A local GitHub REST stand-in, held to GitHub's own OpenAPI description.

``GitHubStandIn`` serves the few REST routes the Action calls, from in-memory state, on
127.0.0.1. Every request is checked against the operation in the OpenAPI slice (route,
path and query parameters, JSON body, Accept header) and every answer is validated
against the operation's response schema *before* it is sent. A broken request or a
fake object that GitHub would never send is recorded in ``violations`` and answered
with a 500, so a test fails loudly instead of passing against a wrong picture of GitHub.

The fake objects are complete, as GitHub sends them, because the response schemas
require nearly every field. Product code never imports this module; the OpenAPI file
it is built from is read only by the tests.

This module is the request pipeline (matching, checking, injected failures) and the
seeding and reading of state; the operations themselves are in ``operations.py`` and
the state records in ``state.py``.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from .artifacts import STORAGE_PREFIX, StoredArtifact, fake_artifact
from .fakes import basic_error, fake_pull, fake_repository, fake_user
from .openapi import _ACCEPTED_MEDIA, JSON, OpenApiSlice, Operation, _coerce
from .operations import Operations
from .state import ROLE_PERMISSION, Answer, InjectedFailure, RecordedRequest, RepoState

WRITE_SCOPES = {
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"): "pull-requests",
    ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}"): "pull-requests",
    ("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}"): "pull-requests",
    ("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"): "pull-requests",
    ("POST", "/repos/{owner}/{repo}/check-runs"): "checks",
    ("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}"): "checks",
    ("POST", "/repos/{owner}/{repo}/statuses/{sha}"): "statuses",
}
"""The permission (``permissions:`` key) each write the stand-in serves needs."""

__all__ = ["Answer", "GitHubStandIn", "InjectedFailure", "RecordedRequest", "RepoState"]


class GitHubStandIn(Operations):
    """GitHub's REST API for a few repositories, on 127.0.0.1, checked against the OpenAPI slice."""

    def __init__(
        self,
        spec: OpenApiSlice,
        token: str,
        repositories: Iterable[str] = ("octo-org/octo-repo",),
        token_login: str = "github-actions[bot]",
    ) -> None:
        self.spec = spec
        self.token = token
        self._scoped: dict[str, frozenset[str]] = {}
        """Other tokens the stand-in accepts, each with the scopes it may write."""
        self.violations: list[str] = []
        self.requests: list[RecordedRequest] = []
        self._user_ids: dict[str, int] = {}
        self._next_id = 2_000_000_001
        self._token_user = self.user(token_login)
        self._failures: dict[tuple[str, str], deque[InjectedFailure]] = {}
        self._repos: dict[str, RepoState] = {}
        for full_name in repositories:
            self.add_repository(full_name)
        self._handlers = {
            ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments"): self._list_comments,
            ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"): self._create_comment,
            ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}"): self._update_comment,
            ("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"): self._add_reaction,
            ("POST", "/repos/{owner}/{repo}/check-runs"): self._create_check_run,
            ("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}"): self._update_check_run,
            ("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs"): self._list_check_runs,
            ("POST", "/repos/{owner}/{repo}/statuses/{sha}"): self._create_status,
            ("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission"): self._permission,
            ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}"): self._get_pull,
            ("GET", "/repos/{owner}/{repo}/contents/{path}"): self._get_contents,
            ("GET", "/rate_limit"): self._rate_limit,
            ("GET", "/repos/{owner}/{repo}/actions/artifacts"): self._list_artifacts,
            (
                "GET",
                "/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}",
            ): self._download_artifact,
        }
        absent = [f"{m} {r}" for m, r in self._handlers if spec.find(m, r) is None]
        if absent:
            raise ValueError(f"the OpenAPI slice lacks routes the stand-in serves: {absent}")
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.storage_requests: list[dict[str, str]] = []
        """Headers of every request to the artifact storage host (Authorization included)."""

    # Lifecycle.

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> GitHubStandIn:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    # Seeding state.

    def user(self, login: str) -> JSON:
        if login not in self._user_ids:
            self._user_ids[login] = 41_000_000 + len(self._user_ids)
        return fake_user(login, self._user_ids[login])

    def add_repository(self, full_name: str) -> RepoState:
        owner_login, name = full_name.split("/")
        owner = self.user(owner_login)
        state = RepoState(full_name, fake_repository(owner, name, self._new_id()))
        self._repos[full_name.lower()] = state
        return state

    def repo(self, full_name: str = "octo-org/octo-repo") -> RepoState:
        return self._repos[full_name.lower()]

    def seed_pull(
        self,
        number: int,
        head_sha: str,
        author: str = "octocat",
        repository: str = "octo-org/octo-repo",
        head_ref: str = "fine-tune",
        overrides: Mapping[str, Any] | None = None,
    ) -> JSON:
        """A pull request (and its issue); ``overrides`` replace top-level fields as given."""
        state = self.repo(repository)
        pull = fake_pull(state.repository, number, head_sha, self.user(author), head_ref) | dict(
            overrides or {}
        )
        state.pulls[number] = pull
        state.issues.add(number)
        return pull

    def seed_comment(
        self,
        issue_number: int,
        body: str,
        author: str = "octocat",
        repository: str = "octo-org/octo-repo",
        overrides: Mapping[str, Any] | None = None,
    ) -> JSON:
        state = self.repo(repository)
        state.issues.add(issue_number)
        comment = self._new_comment(state, issue_number, body, self.user(author)) | dict(overrides or {})
        state.comments[comment["id"]] = comment
        return comment

    def set_permission(self, username: str, role: str, repository: str = "octo-org/octo-repo") -> None:
        """Make ``username`` a collaborator: role admin, maintain, write, triage, read or none."""
        if role not in ROLE_PERMISSION:
            raise ValueError(f"unknown role {role!r}")
        self.repo(repository).roles[username] = role

    def seed_artifact(
        self,
        name: str,
        head_sha: str,
        archive: bytes,
        run_id: int = 99,
        expired: bool = False,
        repository: str = "octo-org/octo-repo",
        fork: bool = False,
    ) -> JSON:
        """An artifact uploaded by a workflow run of ``head_sha`` (on a fork's code if ``fork``);
        ``archive`` is its zip."""
        state = self.repo(repository)
        record = fake_artifact(
            state.repository, self._new_id(), name, len(archive), run_id, head_sha, expired, fork
        )
        state.artifacts[record["id"]] = StoredArtifact(record, archive)
        return record

    def seed_file(self, ref: str, path: str, content: bytes, repository: str = "octo-org/octo-repo") -> None:
        """The file at ``path`` (from the repository root) as it is in commit ``ref``."""
        self.repo(repository).contents.put(ref, path, content)

    def seed_link(self, ref: str, path: str, target: str, repository: str = "octo-org/octo-repo") -> None:
        """A symbolic link at ``path`` in commit ``ref`` of ``repository``, to ``target``."""
        self.repo(repository).contents.put_link(ref, path, target)

    def add_token(self, token: str, writes: Iterable[str] = ()) -> None:
        """Accept ``token`` too (as the same login), writing only in ``writes``: ``checks``,
        ``statuses``, ``pull-requests`` (comments and reactions). Every read is allowed. A
        write outside them is answered as GitHub answers an Actions token without the
        permission (403 "Resource not accessible by integration"); a fork's pull request
        gets a token with no writes at all."""
        unknown = set(writes) - set(WRITE_SCOPES.values())
        if unknown:
            raise ValueError(f"unknown write scopes {sorted(unknown)}")
        self._scoped[token] = frozenset(writes)

    # Injecting failures.

    def fail_next(
        self,
        method: str,
        route: str,
        status: int = 502,
        times: int = 1,
        message: str = "Server Error",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """The next ``times`` requests to ``method route`` (an OpenAPI template) get this answer."""
        if self.spec.find(method, route) is None:
            raise ValueError(f"{method} {route} is not in the OpenAPI slice")
        failure = InjectedFailure(status, basic_error(message, status), dict(headers or {}), times)
        self._failures.setdefault((method, route), deque()).append(failure)

    def secondary_rate_limit_next(
        self, method: str, route: str, retry_after: int = 60, times: int = 1
    ) -> None:
        message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
        self.fail_next(method, route, 403, times, message, {"Retry-After": str(retry_after)})

    def primary_rate_limit_next(self, method: str, route: str, reset_in: int = 60, times: int = 1) -> None:
        headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + reset_in)}
        self.fail_next(method, route, 403, times, "API rate limit exceeded for installation ID 1.", headers)

    # Reading state.

    def comments(self, issue_number: int, repository: str = "octo-org/octo-repo") -> list[JSON]:
        state = self.repo(repository)
        return [c for cid, c in sorted(state.comments.items()) if state.comment_issue[cid] == issue_number]

    def reactions(self, comment_id: int, repository: str = "octo-org/octo-repo") -> list[JSON]:
        return list(self.repo(repository).reactions.get(comment_id, []))

    def check_runs(self, repository: str = "octo-org/octo-repo") -> list[JSON]:
        return [run for _, run in sorted(self.repo(repository).check_runs.items())]

    def annotations(self, run_id: int, repository: str = "octo-org/octo-repo") -> list[JSON]:
        return list(self.repo(repository).annotations.get(run_id, []))

    def statuses(self, repository: str = "octo-org/octo-repo") -> list[JSON]:
        return list(self.repo(repository).statuses)

    def take_violations(self) -> list[str]:
        """The violations so far, forgotten: for tests that provoke them on purpose."""
        taken, self.violations = self.violations, []
        return taken

    # The request pipeline.

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith(STORAGE_PREFIX):
            return self._storage(request)
        raw = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        record = RecordedRequest(request.method, request.path, dict(request.query), headers, None)
        self.requests.append(record)
        answer = self._answer(request, raw, record)
        record.status = answer.status
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            **self._rate_headers(),
            **answer.headers,
        }
        body = None if answer.body is None else json.dumps(answer.body)
        return web.Response(status=answer.status, text=body, headers=headers)

    def _answer(self, request: web.Request, raw: bytes, record: RecordedRequest) -> Answer:
        matched = self.spec.match(request.method, request.raw_path.split("?")[0])
        if matched is None:
            return self._violation(f"{request.method} {request.path}: no such operation in the OpenAPI slice")
        op, path_params = matched
        record.route = op.route
        problems = self._request_problems(request, op, path_params, raw, record)
        if problems:
            return self._violation(f"{op.method} {op.route}: " + "; ".join(problems))
        credentials = request.headers.get("Authorization", "")
        scheme, _, given = credentials.partition(" ")
        if scheme.lower() not in ("bearer", "token") or (given != self.token and given not in self._scoped):
            message = "Bad credentials" if credentials else "Requires authentication"
            return self._checked(op, Answer(401, basic_error(message, 401)))
        scope = WRITE_SCOPES.get((op.method, op.route))
        if given in self._scoped and scope is not None and scope not in self._scoped[given]:
            denied = basic_error("Resource not accessible by integration", 403)
            return self._checked(op, Answer(403, denied))
        pending = self._failures.get((op.method, op.route))
        if pending:
            failure = pending[0]
            failure.times -= 1
            if failure.times <= 0:
                pending.popleft()
            return self._checked(op, Answer(failure.status, failure.body, dict(failure.headers)))
        state = None
        if "owner" in path_params:
            state = self._repos.get(f"{path_params['owner']}/{path_params['repo']}".lower())
            if state is None:
                return self._checked(op, Answer(404, basic_error("Not Found", 404)))
        given_values = {**request.query, **path_params}
        params = {
            p["name"]: _coerce(given_values[p["name"]], p["schema"].get("type"))
            for p in op.parameters
            if p["name"] in given_values
        }
        handler = self._handlers.get((op.method, op.route))
        if handler is None:
            return self._violation(f"{op.method} {op.route}: in the slice but not served by the stand-in")
        return self._checked(op, handler(state, params, record.body, str(request.url)))

    def _request_problems(
        self,
        request: web.Request,
        op: Operation,
        path_params: dict[str, str],
        raw: bytes,
        record: RecordedRequest,
    ) -> list[str]:
        problems = self.spec.parameter_errors(op, "path", path_params)
        problems += self.spec.parameter_errors(op, "query", dict(request.query))
        accept = request.headers.get("Accept")
        if accept is not None and accept.split(";")[0].strip() not in _ACCEPTED_MEDIA:
            problems.append(f"Accept {accept!r} is neither application/vnd.github+json nor application/json")
        version = request.headers.get("X-GitHub-Api-Version")
        if version is not None and version != "2022-11-28":
            problems.append(f"X-GitHub-Api-Version {version!r} is not a supported version")
        if op.body_pointer is None:
            if raw:
                problems.append("a body was sent to an operation that takes none")
            return problems
        if request.content_type != "application/json":
            return [*problems, f"Content-Type {request.content_type!r} is not application/json"]
        try:
            record.body = json.loads(raw)
        except ValueError:
            return [*problems, "the body is not JSON"]
        return problems + [f"body {error}" for error in self.spec.errors(op.body_pointer, record.body)]

    def _checked(self, op: Operation, answer: Answer) -> Answer:
        """The answer if it fits the response schema for its status, else a recorded violation."""
        status = str(answer.status)
        if status in op.response_pointers:
            pointer = op.response_pointers[status]
        elif answer.status >= 400:
            # The description lists few error statuses; GitHub sends its basic error for the rest.
            pointer = "/components/schemas/basic-error"
        else:
            return self._violation(f"{op.method} {op.route}: status {status} is not in the description")
        if pointer is None:
            problems = [] if answer.body is None else ["a body where the description has none"]
        else:
            problems = self.spec.errors(pointer, answer.body)
        if problems:
            return self._violation(f"{op.method} {op.route} -> {status}: response " + "; ".join(problems))
        return answer

    def _violation(self, message: str) -> Answer:
        self.violations.append(message)
        return Answer(500, basic_error(f"GitHub stand-in: {message}"[:2000], 500))

    def _rate_headers(self) -> dict[str, str]:
        used = len(self.requests)
        return {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": str(max(5000 - used, 0)),
            "x-ratelimit-used": str(used),
            "x-ratelimit-reset": str(int(time.time()) + 3600),
            "x-ratelimit-resource": "core",
        }

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _storage(self, request: web.Request) -> web.StreamResponse:
        """The signed blob host: no token may arrive here, and the signature must."""
        self.storage_requests.append(dict(request.headers))
        if "Authorization" in request.headers:
            self.violations.append(f"GET {request.path}: the token was sent to the artifact storage host")
        name = request.path.removeprefix(STORAGE_PREFIX).removesuffix(".zip")
        for state in self._repos.values():
            stored = state.artifacts.get(int(name)) if name.isdigit() else None
            if stored is not None and request.query.get("sig") == f"sig{int(name):x}":
                return web.Response(body=stored.archive, content_type="application/zip")
        return web.Response(status=403, text="AuthenticationFailed")
