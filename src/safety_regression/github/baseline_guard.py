"""A pull request that changes the committed baseline: say so, and do not pass on hand edits.

The gate compares the fine-tune with the baseline snapshot as it is in the pull request.
On a ``pull_request`` event the Action reads the same file at the pull request's base
commit (``GET /repos/{owner}/{repo}/contents/{path}?ref=``): unchanged bytes say nothing;
a change puts a notice first in every report; labels changed with the same response and
judge that the built-in judge contradicts make the gate inconclusive, unless the workflow
sets ``allow-baseline-edits: true``. When the API cannot give the base version (a file
over 1 MB comes back without content, no token, no ``contents: read``), git reads it from
the workspace's checkout, fetching the base commit if need be (``base_git``). Not being
able to read it either way is a notice first in the report, never a failure.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import aiohttp

from safety_regression.config import Config
from safety_regression.errors import GitHubError, SnapshotError
from safety_regression.github.base_git import GitUnavailable, base_file_with_git
from safety_regression.github.client import GitHubClient
from safety_regression.github.event import Event
from safety_regression.github.inputs import ActionInputs, Command
from safety_regression.github.workflow import Workflow
from safety_regression.pipeline import GateRun
from safety_regression.pipeline.baseline_edits import baseline_edit, previous_baseline, with_baseline_edit
from safety_regression.snapshot import load_snapshot


class PullContext(Protocol):
    """What the Action knows of the run: its event, and the runner's environment."""

    @property
    def event(self) -> Event | None: ...
    @property
    def environ(self) -> Mapping[str, str]: ...


PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
UNREADABLE = (
    "could not read the base branch's baseline {path}: {why}; it was not compared with this pull "
    "request's, so hand edits to it were not checked"
)


def committed_baseline(config: Config, environ: Mapping[str, str]) -> tuple[Path, str, Path, bytes] | None:
    """The workspace (the repository checkout), and the config's baseline: its path in the
    repository, on disk, and its bytes, when it is a file of the workspace; None otherwise."""
    if config.baseline is None:
        return None
    workspace = Path(environ.get("GITHUB_WORKSPACE", ".")).resolve()
    path = Path(config.baseline).resolve()
    try:
        relative = path.relative_to(workspace).as_posix()
    except ValueError:
        return None  # not a file of the repository: nothing to compare it with
    if not path.is_file():
        return None  # the run's warnings already say the baseline is not there
    return workspace, relative, path, path.read_bytes()


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
    if inputs.command is not Command.RUN or event is None or event.name not in PULL_REQUEST_EVENTS:
        return gate_run
    committed = committed_baseline(config, environ) if event.base_sha else None
    if committed is None or event.base_sha is None:
        return gate_run
    workspace, relative, path, current = committed

    def unreadable(why: str) -> GateRun:
        message = UNREADABLE.format(path=relative, why=why)
        workflow.warning(message)
        result = gate_run.result
        return replace(gate_run, result=result.model_copy(update={"notices": [message, *result.notices]}))

    def added() -> GateRun:
        notice = (
            f"This pull request adds the committed baseline {relative} (the base branch has none): "
            "the verdict compares against this pull request's version."
        )
        result = gate_run.result
        return replace(gate_run, result=result.model_copy(update={"notices": [notice, *result.notices]}))

    before_bytes, why = await _from_the_api(inputs, session, environ, event, relative)
    if why is None and before_bytes is None:
        return added()
    if before_bytes is None:
        secrets = [inputs.github_token] if inputs.github_token else []
        try:
            before_bytes = await base_file_with_git(workspace, event.base_sha, relative, environ, secrets)
        except GitUnavailable as exc:
            return unreadable(f"{why}, and {exc}")
        if before_bytes is None:
            return added()
    if before_bytes == current:
        return gate_run
    try:
        before = previous_baseline(before_bytes, f"{relative} at {event.base_sha[:12]}")
        after = load_snapshot(path)
    except SnapshotError as exc:
        return unreadable(str(exc))
    edit = await baseline_edit(before, after, relative)
    workflow.notice(edit.notice(inputs.allow_baseline_edits))
    result = with_baseline_edit(gate_run.result, edit, inputs.allow_baseline_edits)
    return replace(gate_run, result=result)


async def _from_the_api(
    inputs: ActionInputs,
    session: aiohttp.ClientSession,
    environ: Mapping[str, str],
    event: Event,
    relative: str,
) -> tuple[bytes | None, str | None]:
    """The base version through the contents API: its bytes, or why not (both None: the
    base commit has no such file)."""
    if not inputs.github_token or event.base_sha is None:
        return None, "no github-token"
    api = environ.get("GITHUB_API_URL", "https://api.github.com")
    try:
        client = GitHubClient(session, api, inputs.github_token, event.repository)
        found = await client.get_file(relative, event.base_sha)
    except GitHubError as exc:
        return None, f"needs contents: read ({exc})"
    if found is None:
        return None, None
    if found.type != "file" or found.encoding != "base64":
        return None, f"GitHub returns no content for it ({found.size} bytes; over 1 MB?)"
    try:
        return base64.b64decode(found.content), None
    except (binascii.Error, ValueError):
        return None, "GitHub's content is not base64"
