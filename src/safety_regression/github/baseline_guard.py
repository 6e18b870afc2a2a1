"""A pull request that changes the committed baseline: say so, and do not pass on hand edits.

The gate compares the fine-tune with the baseline snapshot as it is in the workspace. On a
pull request (``guard_scope``: a ``pull_request`` event, a ``workflow_run`` second stage;
``command: run``, ``merge`` and ``compare``) the Action reads the base's version at the
pull request's base commit (``base_files``: the contents API, else git from the checkout)
and compares the two: unchanged bytes say nothing; a change puts a notice first in every
report; labels changed with the same response and judge that the built-in judge
contradicts make the gate inconclusive, unless the workflow sets
``allow-baseline-edits: true``.

Where the base's baseline was comes from the gate config as the base commit has it (its
``baseline:``; a config the pull request moved or renamed is found where it was by git's
rename detection), so a pull request that points ``baseline:`` at another file, moves the
gate's folder, or turns the file into a symbolic link, is compared with the base's file
and said to move it. A config the base commit lacks (the gate is new) or that cannot be
read or parsed there leaves the path the pull request's config names. The pull request's
file is followed through symbolic links inside the workspace only: one that leads out is
not read, and says so. Not being able to read the base's version is a notice first in the
report, never a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import aiohttp

from safety_regression.config import Config
from safety_regression.config.committed import baseline_named
from safety_regression.errors import ConfigError, SnapshotError
from safety_regression.github.base_files import (
    BaseCommit,
    BaseUnreadable,
    relative_to_config,
    repository_path,
)
from safety_regression.github.client import GitHubClient
from safety_regression.github.event import Event
from safety_regression.github.guard_scope import (
    PULL_REQUEST_EVENTS,
    guarded_snapshot,
    on_a_pull_request,
    pull_base,
)
from safety_regression.github.inputs import ActionInputs
from safety_regression.github.workflow import Workflow
from safety_regression.pipeline import GateRun, known_secrets
from safety_regression.pipeline.baseline_edits import baseline_edit, previous_baseline, with_baseline_edit
from safety_regression.snapshot import load_snapshot


class PullContext(Protocol):
    """What the Action knows of the run: its event, and the runner's environment."""

    @property
    def event(self) -> Event | None: ...
    @property
    def environ(self) -> Mapping[str, str]: ...


UNCHECKED = "hand edits to its labels were not checked: the verdict rests on them as they are"
UNREADABLE = (
    "Could not read the baseline {path} at the pull request's base commit {sha}: {why}. The "
    f"committed baseline was not compared with it, so {UNCHECKED}."
)
NO_BASE = (
    "The committed baseline {path} was not compared with the pull request's base commit: {why}. "
    f"So {UNCHECKED}."
)
LINKED_OUT = (
    "The committed baseline {path} is a symbolic link to a file outside the repository: it was not "
    f"read for a comparison with the pull request's base commit, so {UNCHECKED}."
)


@dataclass(frozen=True)
class CommittedBaseline:
    """The run's baseline as a file of the workspace (the repository checkout)."""

    path: str
    """Its path in the repository, as the config names it (symbolic links not followed)."""
    file: Path
    """The file on disk, links followed."""
    link_to: str | None
    """Where a symbolic link leads in the repository (None: ``path`` is the file itself)."""
    data: bytes = b""
    """The file's bytes (none read for a link out of the repository)."""
    outside: bool = False
    """A link out of the repository: ``file`` is not read."""

    @property
    def where(self) -> str:
        return self.path + (f" (a symbolic link to {self.link_to})" if self.link_to else "")


def committed_baseline(snapshot: Path | None, environ: Mapping[str, str]) -> CommittedBaseline | None:
    """The snapshot as a file of the workspace; None when it is not one (not under the
    workspace as named, or not there: the run's warnings already say so)."""
    if snapshot is None:
        return None
    workspace = workspace_of(environ)
    named = repository_path(snapshot, workspace)
    if named is None:
        return None  # not a file of the repository: nothing to compare it with
    file = snapshot.resolve()
    try:
        target = file.relative_to(workspace).as_posix()
    except ValueError:
        return CommittedBaseline(named, file, None, outside=True)
    if not file.is_file():
        return None
    return CommittedBaseline(named, file, target if target != named else None, file.read_bytes())


def workspace_of(environ: Mapping[str, str]) -> Path:
    """The repository checkout: ``GITHUB_WORKSPACE``, links followed."""
    return Path(environ.get("GITHUB_WORKSPACE", ".")).resolve()


async def guard_baseline(
    inputs: ActionInputs,
    config: Config,
    pull: PullContext,
    session: aiohttp.ClientSession,
    gate_run: GateRun,
    workflow: Workflow,
) -> GateRun:
    """The gate run with what this pull request did to the committed baseline, if anything."""
    event, environ = pull.event, pull.environ
    if event is None or not on_a_pull_request(event, inputs):
        return gate_run
    snapshot, config_baseline = guarded_snapshot(inputs, config)
    ours = committed_baseline(snapshot, environ)
    if ours is None:
        return gate_run

    def noticed(message: str, warning: bool = False) -> GateRun:
        (workflow.warning if warning else workflow.notice)(message)
        result = gate_run.result
        return replace(gate_run, result=result.model_copy(update={"notices": [message, *result.notices]}))

    if ours.outside:
        return noticed(LINKED_OUT.format(path=ours.path), warning=True)
    api = environ.get("GITHUB_API_URL", "https://api.github.com")
    client = (
        GitHubClient(
            session, api, inputs.github_token, event.repository, secrets=known_secrets(config, environ)
        )
        if inputs.github_token
        else None
    )
    base_sha, unknown = await pull_base(event, inputs, client)
    pr_event = event.name in PULL_REQUEST_EVENTS  # else a workflow_run: its checkout need not be the PR's
    if base_sha is None:
        return noticed(NO_BASE.format(path=ours.path, why=unknown), warning=True)
    secrets = [inputs.github_token] if inputs.github_token else []
    workspace = workspace_of(environ)
    base = BaseCommit(base_sha, workspace, client, environ, secrets)
    named = await _base_baseline_path(base, inputs.config, workspace) if config_baseline else None
    base_path = named or ours.path
    moved_from = base_path if base_path != ours.path else None
    try:
        before_bytes = await base.read(base_path)
    except BaseUnreadable as exc:
        return noticed(UNREADABLE.format(path=base_path, sha=base_sha[:12], why=exc), warning=True)
    by, version = (
        ("This pull request", "this pull request's")
        if pr_event
        else ("The checked-out commit", "the checked-out")
    )
    if before_bytes is None:
        if not config_baseline:
            return gate_run  # a snapshot the workflow made, not one the base commit has
        return noticed(
            f"{by} adds the committed baseline {ours.where} (the pull request's base commit has none): "
            f"none of its labels was compared with an earlier version; the verdict is measured against "
            f"{version} version."
        )
    if before_bytes == ours.data:
        if moved_from is None:
            return gate_run
        return noticed(
            f"{by} moves the committed baseline from {moved_from} to {ours.where}; its content is unchanged."
        )
    try:
        before = previous_baseline(before_bytes, f"{base_path} at {base_sha[:12]}")
        after = load_snapshot(ours.file)
    except SnapshotError as exc:
        return noticed(UNREADABLE.format(path=base_path, sha=base_sha[:12], why=exc), warning=True)
    edit = await baseline_edit(
        before, after, ours.path, moved_from=moved_from, link_to=ours.link_to, in_pull_request=pr_event
    )
    workflow.notice(edit.notice(inputs.allow_baseline_edits))
    result = with_baseline_edit(gate_run.result, edit, inputs.allow_baseline_edits)
    hold = edit.hold(inputs.allow_baseline_edits)
    return replace(gate_run, result=result, holds=(*gate_run.holds, *([hold] if hold else [])))


async def _base_baseline_path(base: BaseCommit, config: Path, workspace: Path) -> str | None:
    """Where the base commit's gate config (at the path of this run's, or where it was
    before the pull request moved it) puts its baseline, in the repository; None when that
    cannot be known: no such config at the base (the gate is new), not readable or not
    parsable there, naming none or one outside the repository."""
    config_path = repository_path(config, workspace)
    if config_path is None:
        return None
    try:
        data = await base.read(config_path)
        if data is None:
            # Not there: the pull request may have moved or renamed the config (git says).
            old_path = await base.renamed_to(config_path)
            if old_path is not None:
                config_path, data = old_path, await base.read(old_path)
        named = baseline_named(data, f"{config_path} at {base.sha[:12]}") if data is not None else None
    except (BaseUnreadable, ConfigError):
        return None
    return relative_to_config(named, config_path, workspace) if named is not None else None
