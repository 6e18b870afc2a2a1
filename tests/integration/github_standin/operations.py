"""The REST operations the stand-in serves, as GitHub answers them, from in-memory state.

``Operations`` is mixed into ``GitHubStandIn``: each handler takes the repository's
state, the typed path and query parameters, the JSON body and the request URL, and
returns an ``Answer`` that the server then checks against the response schema.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from yarl import URL

from .artifacts import download_redirect, list_artifacts
from .contents import fake_content_file, fake_content_symlink
from .fakes import (
    basic_error,
    fake_actions_app,
    fake_reaction_rollup,
    node_id,
    now_iso,
    validation_error,
)
from .openapi import JSON, WEB
from .state import ROLE_PERMISSION, Answer, RecordedRequest, RepoState

COMMENT_LIMIT = 65_536
"""Characters GitHub takes in a comment body."""


class Operations:
    """The handlers; the server supplies the state and the helpers named below."""

    url: str
    requests: list[RecordedRequest]
    _token_user: JSON
    user: Callable[[str], JSON]
    comments: Callable[[int, str], list[JSON]]
    check_runs: Callable[[str], list[JSON]]
    _new_id: Callable[[], int]

    def _list_comments(self, state: RepoState | None, params: JSON, body: Any, url: str) -> Answer:
        assert state is not None
        if params["issue_number"] not in state.issues:
            return _not_found()
        return _paginated(self.comments(params["issue_number"], state.full_name), params, url)

    def _create_comment(self, state: RepoState | None, params: JSON, body: Any, url: str) -> Answer:
        assert state is not None
        if params["issue_number"] not in state.issues:
            return _not_found()
        if len(body["body"]) > COMMENT_LIMIT:
            return _body_too_long()
        comment = self._new_comment(state, params["issue_number"], body["body"], self._token_user)
        state.comments[comment["id"]] = comment
        return Answer(201, comment, {"Location": comment["url"]})

    def _update_comment(self, state: RepoState | None, params: JSON, body: Any, url: str) -> Answer:
        assert state is not None
        comment = state.comments.get(params["comment_id"])
        if comment is None:
            return _not_found()
        if len(body["body"]) > COMMENT_LIMIT:
            return _body_too_long()
        comment.update(body=body["body"], updated_at=now_iso())
        return Answer(200, comment)

    def _add_reaction(self, state: RepoState | None, params: JSON, body: Any, url: str) -> Answer:
        assert state is not None
        comment = state.comments.get(params["comment_id"])
        if comment is None:
            return _not_found()
        reactions = state.reactions.setdefault(comment["id"], [])
        login = self._token_user["login"]
        for reaction in reactions:
            if reaction["content"] == body["content"] and reaction["user"]["login"] == login:
                return Answer(200, reaction)
        reaction_id = self._new_id()
        reaction = {
            "id": reaction_id,
            "node_id": node_id("REA", reaction_id),
            "user": self._token_user,
            "content": body["content"],
            "created_at": now_iso(),
        }
        reactions.append(reaction)
        comment["reactions"] = fake_reaction_rollup(comment["url"], reactions)
        return Answer(201, reaction)

    def _create_check_run(self, state: RepoState | None, params: JSON, body: Any, url: str) -> Answer:
        assert state is not None
        run_id = self._new_id()
        run = {
            "id": run_id,
            "node_id": node_id("CR", run_id),
            "head_sha": body["head_sha"],
            "external_id": body.get("external_id", ""),
            "url": f"{state.repository['url']}/check-runs/{run_id}",
            "html_url": f"{state.repository['html_url']}/runs/{run_id}",
            "details_url": body.get("details_url", f"{WEB}/apps/github-actions"),
            "status": "queued",
            "conclusion": None,
            "started_at": body.get("started_at", now_iso()),
            "completed_at": None,
            "output": {"title": None, "summary": None, "text": None, "annotations_count": 0},
            "name": body["name"],
            "check_suite": {"id": self._new_id()},
            "app": fake_actions_app(),
            "pull_requests": [
                _minimal_pull(pull)
                for pull in state.pulls.values()
                if pull["head"]["sha"] == body["head_sha"]
            ],
        }
        run["output"]["annotations_url"] = f"{run['url']}/annotations"
        problem = _apply_check_fields(run, body)
        if problem:
            return Answer(422, validation_error("CheckRun", "conclusion", problem))
        state.check_runs[run_id] = run
        _record_annotations(state, run, body)
        return Answer(201, run)

    def _update_check_run(self, state: RepoState | None, params: JSON, body: Any, url: str) -> Answer:
        assert state is not None
        run = state.check_runs.get(params["check_run_id"])
        if run is None:
            return _not_found()
        updated = copy.deepcopy(run)
        problem = _apply_check_fields(updated, body)
        if problem:
            return Answer(422, validation_error("CheckRun", "conclusion", problem))
        state.check_runs[run["id"]] = updated
        _record_annotations(state, updated, body)
        return Answer(200, updated)

    def _list_check_runs(self, state: RepoState | None, params: JSON, body: Any, url: str) -> Answer:
        assert state is not None
        runs = [run for run in self.check_runs(state.full_name) if run["head_sha"] == params["ref"]]
        runs = [run for run in runs if run["name"] == params.get("check_name", run["name"])]
        runs = [run for run in runs if run["status"] == params.get("status", run["status"])]
        if params.get("filter", "latest") == "latest":
            latest = {run["name"]: run for run in runs}
            runs = sorted(latest.values(), key=lambda run: run["id"])
        answer = _paginated(runs, params, url)
        answer.body = {"total_count": len(runs), "check_runs": answer.body}
        return answer

    def _create_status(self, state: RepoState | None, params: JSON, body: Any, url: str) -> Answer:
        assert state is not None
        description = body.get("description")
        if description is not None and len(description) > 140:
            message = "description is too long (maximum is 140 characters)"
            return Answer(422, validation_error("Status", "description", message))
        status_id = self._new_id()
        status = {
            "url": f"{state.repository['url']}/statuses/{params['sha']}",
            "avatar_url": self._token_user["avatar_url"],
            "id": status_id,
            "node_id": node_id("SC", status_id),
            "state": body["state"],
            "description": description,
            "target_url": body.get("target_url"),
            "context": body.get("context", "default"),
            "created_at": now_iso(),
            "updated_at": now_iso(),
            "creator": self._token_user,
        }
        state.statuses.append(status)
        return Answer(201, status, {"Location": status["url"]})

    def _permission(self, state: RepoState | None, params: JSON, body: Any, url: str) -> Answer:
        assert state is not None
        role = state.roles.get(params["username"])
        if role is None:
            return _not_found()
        permission = ROLE_PERMISSION[role]
        flags = {
            "pull": permission != "none",
            "triage": role in ("triage", "write", "maintain", "admin"),
            "push": permission in ("write", "admin"),
            "maintain": role in ("maintain", "admin"),
            "admin": role == "admin",
        }
        user = self.user(params["username"]) | {"permissions": flags, "role_name": role}
        return Answer(200, {"permission": permission, "role_name": role, "user": user})

    def _get_pull(self, state: RepoState | None, params: JSON, body: Any, url: str) -> Answer:
        assert state is not None
        pull = state.pulls.get(params["pull_number"])
        return Answer(200, pull) if pull is not None else _not_found()

    def _get_contents(self, state: RepoState | None, params: JSON, body: Any, url: str) -> Answer:
        assert state is not None
        ref = params.get("ref") or "main"
        path = params["path"]
        if (ref, path) in state.contents.links:
            followed = state.contents.link_file(ref, path)
            if followed is not None:
                return Answer(200, fake_content_file(state.full_name, path, ref, followed))
            target = state.contents.links[(ref, path)]
            return Answer(200, fake_content_symlink(state.full_name, path, ref, target))
        content = state.contents.get(ref, path)
        if content is None:
            return _not_found()
        return Answer(200, fake_content_file(state.full_name, path, ref, content))

    def _rate_limit(self, state: RepoState | None, params: JSON, body: Any, url: str) -> Answer:
        used = len(self.requests)
        core = {
            "limit": 5000,
            "used": used,
            "remaining": max(5000 - used, 0),
            "reset": int(time.time()) + 3600,
        }
        search = {"limit": 30, "used": 0, "remaining": 30, "reset": int(time.time()) + 60}
        return Answer(200, {"resources": {"core": core, "search": search}, "rate": core})

    def _list_artifacts(self, state: RepoState | None, params: JSON, body: Any, url: str) -> Answer:
        assert state is not None
        page, headers = list_artifacts(state.artifacts, params)
        return Answer(200, page, headers)

    def _download_artifact(self, state: RepoState | None, params: JSON, body: Any, url: str) -> Answer:
        assert state is not None
        status, answer, headers = download_redirect(state.artifacts, params, self.url)
        return Answer(status, answer, headers)

    def _new_comment(self, state: RepoState, issue_number: int, body: str, author: JSON) -> JSON:
        comment_id = self._new_id()
        url = f"{state.repository['url']}/issues/comments/{comment_id}"
        state.comment_issue[comment_id] = issue_number
        stamp = now_iso()
        return {
            "id": comment_id,
            "node_id": node_id("IC", comment_id),
            "url": url,
            "html_url": f"{state.repository['html_url']}/pull/{issue_number}#issuecomment-{comment_id}",
            "body": body,
            "user": author,
            "created_at": stamp,
            "updated_at": stamp,
            "issue_url": f"{state.repository['url']}/issues/{issue_number}",
            "author_association": "NONE" if author["type"] == "Bot" else "CONTRIBUTOR",
            "performed_via_github_app": None,
            "reactions": fake_reaction_rollup(url),
        }


def _not_found() -> Answer:
    return Answer(404, basic_error("Not Found", 404))


def _body_too_long() -> Answer:
    message = f"body is too long (maximum is {COMMENT_LIMIT} characters)"
    return Answer(422, validation_error("IssueComment", "body", message))


def _apply_check_fields(run: JSON, body: JSON) -> str | None:
    """Apply a create or update body to a check run as GitHub does; a 422 message if it refuses."""
    for key in ("name", "details_url", "external_id", "started_at"):
        if key in body:
            run[key] = body[key]
    if "conclusion" in body:
        run.update(
            status="completed",
            conclusion=body["conclusion"],
            completed_at=body.get("completed_at", now_iso()),
        )
    elif "status" in body:
        if body["status"] == "completed":
            return "conclusion is required when status is completed"
        run.update(status=body["status"], conclusion=None, completed_at=None)
    if "output" in body:
        for key in ("title", "summary", "text"):
            if key in body["output"]:
                run["output"][key] = body["output"][key]
    return None


def _record_annotations(state: RepoState, run: JSON, body: JSON) -> None:
    sent = body.get("output", {}).get("annotations", [])
    state.annotations.setdefault(run["id"], []).extend(sent)
    run["output"]["annotations_count"] = len(state.annotations[run["id"]])


def _minimal_pull(pull: JSON) -> JSON:
    def side(ref: JSON) -> JSON:
        repo = ref["repo"]
        return {
            "ref": ref["ref"],
            "sha": ref["sha"],
            "repo": {"id": repo["id"], "url": repo["url"], "name": repo["name"]},
        }

    return {
        "id": pull["id"],
        "number": pull["number"],
        "url": pull["url"],
        "head": side(pull["head"]),
        "base": side(pull["base"]),
    }


def _paginated(items: list[JSON], params: JSON, url: str) -> Answer:
    """One page of ``items`` as GitHub cuts it, with a Link header naming the neighbours."""
    per_page = min(max(params.get("per_page", 30), 1), 100)
    page = max(params.get("page", 1), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    base = URL(url)
    links = {}
    if page < last:
        links["next"], links["last"] = page + 1, last
    if page > 1:
        links["first"], links["prev"] = 1, min(page - 1, last)
    link = ", ".join(
        f'<{base.update_query(per_page=per_page, page=number)}>; rel="{rel}"' for rel, number in links.items()
    )
    return Answer(200, items[(page - 1) * per_page : page * per_page], {"Link": link} if link else {})
