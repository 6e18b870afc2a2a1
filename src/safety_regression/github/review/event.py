"""The ``issue_comment`` event a review command arrives in, reduced to what a review uses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from safety_regression.errors import GitHubError


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Author(_Loose):
    login: str
    type: str = "User"

    @property
    def is_bot(self) -> bool:
        return self.type == "Bot" or self.login.endswith("[bot]")


class CommentRef(_Loose):
    id: int
    body: str | None = None
    html_url: str | None = None
    user: Author | None = None


class IssueRef(_Loose):
    number: int
    pull_request: dict[str, object] | None = None


class CommentEvent(_Loose):
    action: str = "created"
    comment: CommentRef
    issue: IssueRef

    @property
    def on_pull_request(self) -> bool:
        return self.issue.pull_request is not None


def read_comment_event(environ: Mapping[str, str]) -> CommentEvent:
    path = environ.get("GITHUB_EVENT_PATH", "")
    if not path:
        raise GitHubError("GITHUB_EVENT_PATH is not set: a review runs on an issue_comment event")
    try:
        return CommentEvent.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise GitHubError(f"GITHUB_EVENT_PATH {path}: not an issue_comment event payload: {exc}") from None
