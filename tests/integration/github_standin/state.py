"""The stand-in's in-memory state and the records it keeps of what was asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .artifacts import StoredArtifact
from .contents import ContentsStore
from .openapi import JSON


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Every header but Authorization."""
    body: Any
    route: str | None = None
    status: int = 0


@dataclass
class InjectedFailure:
    status: int
    body: JSON
    headers: dict[str, str]
    times: int


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


ROLE_PERMISSION = {
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
    "none": "none",
}


@dataclass
class RepoState:
    full_name: str
    repository: JSON
    pulls: dict[int, JSON] = field(default_factory=dict)
    issues: set[int] = field(default_factory=set)
    comments: dict[int, JSON] = field(default_factory=dict)
    comment_issue: dict[int, int] = field(default_factory=dict)
    reactions: dict[int, list[JSON]] = field(default_factory=dict)
    check_runs: dict[int, JSON] = field(default_factory=dict)
    statuses: list[JSON] = field(default_factory=list)
    annotations: dict[int, list[JSON]] = field(default_factory=dict)
    """Check-run annotations by run id, in the order they were sent."""
    roles: dict[str, str] = field(default_factory=dict)
    artifacts: dict[int, StoredArtifact] = field(default_factory=dict)
    contents: ContentsStore = field(default_factory=ContentsStore)
    """Files of the repository per commit (``seed_file``)."""
