"""What the GitHub REST API answers, reduced to the fields this project reads.

Every model ignores the many fields GitHub sends that we never use, so a GitHub that
adds fields cannot break us; a missing field we do use is a ``ValidationError`` that the
client turns into a ``GitHubError``. The ``str`` enums name the closed choices the
client sends; the client accepts their plain string values too.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class CheckStatus(StrEnum):
    """The statuses a check run can be created or updated with."""

    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class CheckConclusion(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    NEUTRAL = "neutral"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    TIMED_OUT = "timed_out"
    ACTION_REQUIRED = "action_required"


class CommitState(StrEnum):
    """The states of a commit status (the older, simpler sibling of a check run)."""

    ERROR = "error"
    FAILURE = "failure"
    PENDING = "pending"
    SUCCESS = "success"


class ReactionContent(StrEnum):
    PLUS_ONE = "+1"
    MINUS_ONE = "-1"
    LAUGH = "laugh"
    CONFUSED = "confused"
    HEART = "heart"
    HOORAY = "hooray"
    ROCKET = "rocket"
    EYES = "eyes"


class Permission(StrEnum):
    """A user's base permission on a repository; maintain and triage roles map to write and read."""

    ADMIN = "admin"
    WRITE = "write"
    READ = "read"
    NONE = "none"


class _GitHubModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class GitHubUser(_GitHubModel):
    login: str
    id: int
    type: str
    """``User``, ``Bot`` or ``Organization``: tells a person's comment from an app's."""


class IssueComment(_GitHubModel):
    id: int
    body: str | None = None
    """Markdown; GitHub omits it only for non-default media types, which we never ask for."""
    user: GitHubUser | None
    """None when the author's account has been deleted."""
    html_url: str
    author_association: str | None = None
    created_at: datetime
    updated_at: datetime


class Reaction(_GitHubModel):
    id: int
    content: ReactionContent
    user: GitHubUser | None


class CheckRunOutput(_GitHubModel):
    title: str | None
    summary: str | None
    text: str | None


class CheckRun(_GitHubModel):
    id: int
    name: str
    head_sha: str
    status: str
    """One of ``CheckStatus``, or ``waiting``/``requested``/``pending`` that only GitHub sets."""
    conclusion: str | None
    html_url: str | None
    details_url: str | None
    output: CheckRunOutput


class CommitStatus(_GitHubModel):
    id: int
    state: CommitState
    context: str
    description: str | None
    target_url: str | None


class CollaboratorPermission(_GitHubModel):
    permission: Permission
    role_name: str
    """The finer role: ``maintain`` shows as permission ``write``, ``triage`` as ``read``."""


class GitRef(_GitHubModel):
    """One side of a pull request: a branch and the commit it points at."""

    ref: str
    sha: str


class PullRequest(_GitHubModel):
    number: int
    state: str
    html_url: str
    head: GitRef
    base: GitRef
    user: GitHubUser
    draft: bool = False


class RateLimit(_GitHubModel):
    """The core REST budget of the token."""

    limit: int
    remaining: int
    reset: int
    """Unix time at which ``remaining`` refills."""
    used: int


class ContentFile(_GitHubModel):
    """A file of the repository at one commit (``GET /repos/{o}/{r}/contents/{path}``).

    A symbolic link to a file of the repository comes back as that file; any other link as
    ``type: symlink`` with its ``target`` and no content."""

    type: str
    size: int
    sha: str
    """The blob's SHA."""
    encoding: str = "none"
    """``base64``; ``none`` (with empty ``content``) for a file over 1 MB."""
    content: str = ""
    target: str | None = None
    """A ``symlink``'s target, as the link holds it."""
