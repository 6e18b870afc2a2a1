"""Where the gate reports on GitHub, if anywhere: the client, the event and the check.

The check run starts ``in_progress`` when the job starts, except on a fork's pull request,
where it starts once the run is known to gate (``begin``): a fork's run that is skipped
for want of secrets writes only its completed ``action_required`` check, and a fork's
read-only token, which cannot write that either, is a notice, not a warning.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import aiohttp

from safety_regression.errors import GitHubError
from safety_regression.github.client import GitHubClient
from safety_regression.github.event import Event, read_event
from safety_regression.github.inputs import ActionInputs
from safety_regression.github.publish import CheckPublisher
from safety_regression.github.workflow import Workflow

INTERRUPT_GRACE = 5.0
"""Seconds an interrupted run waits for GitHub to complete its check before it gives up."""


class PullRequest:
    """Where the gate reports on GitHub, if anywhere: the client, the event and the check."""

    def __init__(self, inputs: ActionInputs, environ: Mapping[str, str], workflow: Workflow) -> None:
        self.inputs, self.environ, self.workflow = inputs, environ, workflow
        self.client: GitHubClient | None = None
        self.event: Event | None = None
        self.check: CheckPublisher | None = None
        self.run_url = run_url(environ)
        self.secrets: list[str] = []
        """What the client scrubs besides the token (``protect``)."""

    async def start(self, session: aiohttp.ClientSession, publishing: bool) -> None:
        if not self.environ.get("GITHUB_REPOSITORY"):
            return
        self.event = read_event(self.environ)
        if not publishing or not (self.inputs.comment or self.inputs.check):
            return
        if not self.inputs.github_token:
            self.workflow.warning(
                "no github-token: the report is in the job summary only (no comment, no check run)"
            )
            return
        api = self.environ.get("GITHUB_API_URL", "https://api.github.com")
        self.client = GitHubClient(
            session, api, self.inputs.github_token, self.event.repository, secrets=self.secrets
        )
        if self.inputs.pull_request is not None and self.inputs.sha is not None:
            await self._adopt(self.client, self.inputs.pull_request, self.inputs.sha)
        if self.inputs.check and self.event.sha:
            self.check = CheckPublisher(self.client, self.event.sha, self.inputs.check_run_name, self.run_url)
            if not self.event.from_fork:
                await self.begin()
            # A fork's pull request: started once the run is known to gate (``begin``); a
            # skipped one writes only its completed check, which a read-only token cannot.

    def protect(self, secrets: list[str]) -> None:
        """Scrub ``secrets`` (the run's API keys, ``known_secrets``) from everything the
        client sends from now on, besides the token (``RestSession.protect``)."""
        self.secrets = secrets
        if self.client is not None:
            self.client.protect(secrets)

    async def begin(self) -> None:
        """Start the check run ``in_progress`` (or a pending status), unless already started."""
        if self.check is None or self.check.run is not None or self.check.use_status:
            return
        try:
            self.workflow.log(await self.check.start())
        except GitHubError as exc:
            self.workflow.warning(f"could not start the check run or a commit status: {exc}")
            self.check = None

    async def _adopt(self, client: GitHubClient, number: int, sha: str) -> None:
        """Report on a pull request named by the inputs, once its head is that commit.

        A ``workflow_run`` stage reads the number from an artifact a fork's workflow wrote;
        checking it against the trusted head SHA keeps a fork from aiming at another PR.
        """
        assert self.event is not None
        pull = await client.get_pull(number)
        if pull.head.sha != sha:
            raise GitHubError(
                f"pull request #{number} is at {pull.head.sha[:12]}, not {sha[:12]}: the pull-request "
                "input must name the pull request whose head is the sha input"
            )
        update = {"pull_number": number, "sha": sha, "base_sha": pull.base.sha}  # the guard's base
        self.event = self.event.model_copy(update=update)

    async def interrupted(self, received: str, summary: str, grace: float = INTERRUPT_GRACE) -> None:
        """Complete the check this run started and left open, ``cancelled`` (a pending
        status: ``error``), as the run is interrupted: best effort, given up after ``grace``
        seconds (the runner's SIGTERM follows its SIGINT by 7.5 s, its SIGKILL 2.5 s later)."""
        if self.check is None or not self.check.open:
            return
        try:
            async with asyncio.timeout(grace):
                await self.abandon("cancelled", f"Safety gate interrupted ({received})", summary)
        except TimeoutError:
            self.workflow.warning(
                f"could not complete the check run in {grace:g}s (GitHub is slow to answer): it stays in "
                "progress until the job is re-run"
            )

    async def abandon(self, conclusion: str, title: str, summary: str) -> None:
        if self.check is None:
            return
        try:
            await self.check.cancel(conclusion, title, summary)
        except GitHubError as exc:
            if self.event is not None and self.event.from_fork and "(403" in str(exc):
                self.workflow.notice(
                    f"the check {self.check.name} was not written: this fork's pull request gets a read-only "
                    "token, so the check stays missing and, if branch protection requires it, the pull "
                    "request cannot merge until the gate has run"
                )
                return
            self.workflow.warning(f"could not complete the check run: {exc}")


def run_url(environ: Mapping[str, str]) -> str | None:
    server, repository, run = (
        environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    return f"{server}/{repository}/actions/runs/{run}" if server and repository and run else None
