"""Decisions surviving a push: the gate job applies the decisions stored in the report
comment to its fresh results, and leaves ``review-setup.json`` for later reviews."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import aiohttp

from safety_regression.config import Config
from safety_regression.errors import GitHubError
from safety_regression.github.client import GitHubClient
from safety_regression.github.event import read_event
from safety_regression.github.inputs import ActionInputs
from safety_regression.github.publish import DEFAULT_COMMENT_AUTHOR
from safety_regression.github.review.decisions import Decision
from safety_regression.github.review.publishing import report_comment, stored_review
from safety_regression.github.review.regate import SETUP_FILE, Regated, ReviewSetup, regate
from safety_regression.github.review.render import comment_body, decisions_section
from safety_regression.pipeline import GateRun, known_secrets
from safety_regression.pipeline.run import judge_context


@dataclass(frozen=True)
class CarriedReview:
    """A gate run with the pull request's review decisions applied."""

    gate_run: GateRun
    setup: ReviewSetup
    decisions: list[Decision] = field(default_factory=list)
    regated: Regated | None = None
    notes: list[str] = field(default_factory=list)
    applied: list[int] = field(default_factory=list)
    """The ids of the comments whose commands were applied, kept for the next review job."""
    unread: str | None = None
    """Why the pull request's comments could not be read (GitHub refused or failed): the
    report comment, and the decisions it stores, must then be left as they are."""

    def comment(self, report_markdown: str) -> str:
        """The report comment's body: the report, the stored decisions and their table."""
        return comment_body(report_markdown, self.section(), self.decisions, self.applied)

    def section(self) -> str:
        return decisions_section(self.regated, self.decisions)

    def save_setup(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        partial = out / f".{SETUP_FILE}.partial"
        partial.write_text(self.setup.model_dump_json(indent=1) + "\n", encoding="utf-8")
        partial.replace(out / SETUP_FILE)


async def carry_decisions(
    gate_run: GateRun,
    config: Config,
    client: GitHubClient | None,
    pull_number: int | None,
    author: str = DEFAULT_COMMENT_AUTHOR,
    header: str = "",
) -> CarriedReview:
    """Re-gate ``gate_run`` with the decisions in the pull request's report comment.

    ``gate_run`` is the run as it stands, its baseline guard applied: its holds are the
    setup's, kept by every later review.

    Only the report comment ``author`` wrote with ``header``'s marker is read (the
    ``comment-author`` and ``header`` inputs).
    Without a client or a pull request, or when the comment's block is damaged, the run is
    returned as it is, with a note saying why; when the comments cannot be listed, also
    with ``unread`` set, so that the caller leaves the report comment alone.
    """
    models = [gate_run.reference.model.model, gate_run.candidate.model.model]
    setup = ReviewSetup.of_run(
        config, gate_run, judge_context(config, models, gate_run.candidate.judge)["judge_errors"]
    )
    if client is None or pull_number is None:
        return CarriedReview(gate_run, setup)
    try:
        comments = await client.list_issue_comments(pull_number)
    except GitHubError as exc:
        # Not "no decisions": posting the report now would overwrite the stored ones.
        note = (
            f"could not post the pull-request comment: {exc} (its comments could not be listed, so "
            "the review decisions stored in it were not read; the report comment is left as it is)"
        )
        return CarriedReview(gate_run, setup, unread=note)
    try:
        stored = stored_review(report_comment(comments, author, header))
    except ValueError as exc:
        note = f"review decisions not applied: {exc}"
        return CarriedReview(gate_run, setup, notes=[note])
    decisions = stored.decisions
    if not decisions:
        return CarriedReview(gate_run, setup, applied=stored.applied)
    # The run's holds, notices, drift and usage come along in the setup: a decision never lifts them.
    regated = regate(gate_run.reference, gate_run.candidate, setup, decisions)
    return CarriedReview(
        replace(gate_run, result=regated.result), setup, decisions, regated, applied=stored.applied
    )


async def carry_in_action(
    gate_run: GateRun,
    config: Config,
    inputs: ActionInputs,
    environ: Mapping[str, str],
    session: aiohttp.ClientSession,
) -> CarriedReview:
    """``carry_decisions`` for the Action's gate job: the pull request and the client from its environment."""
    try:
        event = read_event(environ)
        client = GitHubClient(
            session,
            environ.get("GITHUB_API_URL", "https://api.github.com"),
            inputs.github_token,
            event.repository,
            secrets=known_secrets(config, environ),
        )
    except GitHubError:
        return await carry_decisions(gate_run, config, None, None)
    return await carry_decisions(
        gate_run, config, client, event.pull_number, inputs.comment_author, inputs.header
    )
