"""GitHub: the REST client and its typed answers, for the Action's comment and check run."""

from safety_regression.github.client import GitHubClient
from safety_regression.github.models import (
    CheckConclusion,
    CheckRun,
    CheckRunOutput,
    CheckStatus,
    CollaboratorPermission,
    CommitState,
    CommitStatus,
    GitHubUser,
    GitRef,
    IssueComment,
    Permission,
    PullRequest,
    RateLimit,
    Reaction,
    ReactionContent,
)

__all__ = [
    "CheckConclusion",
    "CheckRun",
    "CheckRunOutput",
    "CheckStatus",
    "CollaboratorPermission",
    "CommitState",
    "CommitStatus",
    "GitHubClient",
    "GitHubUser",
    "GitRef",
    "IssueComment",
    "Permission",
    "PullRequest",
    "RateLimit",
    "Reaction",
    "ReactionContent",
]
