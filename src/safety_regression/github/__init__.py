"""GitHub: the REST client and its typed answers, for the Action's comment and check run.

The names are imported on first use (PEP 562), so the Action's launcher
(``github.launch``) can set the process defaults before any pydantic model is built.
"""

import typing as _typing

from safety_regression._lazy import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
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

_LAZY = {
    "CheckConclusion": "safety_regression.github.models",
    "CheckRun": "safety_regression.github.models",
    "CheckRunOutput": "safety_regression.github.models",
    "CheckStatus": "safety_regression.github.models",
    "CollaboratorPermission": "safety_regression.github.models",
    "CommitState": "safety_regression.github.models",
    "CommitStatus": "safety_regression.github.models",
    "GitHubClient": "safety_regression.github.client",
    "GitHubUser": "safety_regression.github.models",
    "GitRef": "safety_regression.github.models",
    "IssueComment": "safety_regression.github.models",
    "Permission": "safety_regression.github.models",
    "PullRequest": "safety_regression.github.models",
    "RateLimit": "safety_regression.github.models",
    "Reaction": "safety_regression.github.models",
    "ReactionContent": "safety_regression.github.models",
}
__getattr__, __dir__ = _lazy_exports(__name__, _LAZY)

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
