"""Putting a gate result on a pull request: one sticky comment, one check run, or a status.

The sticky comment is found by its hidden marker **and** its author: the Action's own
login (``github-actions[bot]`` for the workflow's token, or the login set in the
``comment-author`` input for a personal or app token). A comment from anyone else that
holds the marker is never edited: it could otherwise be written first and then edited
into a fake pass. The REST slice the project is built against has no ``GET /user``, and
an Actions token cannot call it anyway, so the login is configured rather than asked.

The check run is created ``in_progress`` when the job starts and completed at the end,
with one annotation per regressed or unproven category. Where the token may not write
checks, a commit status carries the verdict instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from safety_regression.errors import GitHubError
from safety_regression.gate import GateResult, Verdict
from safety_regression.github.client import STATUS_DESCRIPTION_LIMIT, TEXT_LIMIT, GitHubClient
from safety_regression.github.models import CheckRun, CommitStatus, IssueComment
from safety_regression.pipeline.baseline_edits import EDITED_BASELINE
from safety_regression.report.comment import (
    category_status,
    comment_marker,
    fit_markdown,
    regressed_categories,
    unproven_checks,
)

DEFAULT_COMMENT_AUTHOR = "github-actions[bot]"
"""The login of the workflow's own ``GITHUB_TOKEN``."""
MAX_ANNOTATIONS = 50
"""Annotations GitHub takes in one check-run request."""

_CONCLUSIONS = {
    # An inconclusive gate recommends blocking, so its check fails too: an unmeasured
    # model must not pass a required check.
    Verdict.PASS: "success",
    Verdict.FAIL: "failure",
    Verdict.INCONCLUSIVE: "failure",
}
_STATES = {Verdict.PASS: "success", Verdict.FAIL: "failure", Verdict.INCONCLUSIVE: "error"}


def fit(markdown: str, where: str, limit: int = TEXT_LIMIT) -> str:
    """The text, cut outside any code fence to GitHub's limit, with a note saying where the rest is."""
    return fit_markdown(markdown, limit, where)


def is_ours(comment: IssueComment, marker: str, author: str) -> bool:
    """The comment is the sticky report of this gate: our marker first, written by us."""
    if comment.body is None or comment.user is None:
        return False
    first_line = comment.body.split("\n", 1)[0].rstrip("\r")
    return first_line == marker and comment.user.login.lower() == author.lower()


def holds_marker(comment: IssueComment, marker: str) -> bool:
    return comment.body is not None and comment.body.split("\n", 1)[0].rstrip("\r") == marker


async def upsert_comment(
    client: GitHubClient,
    pull_number: int,
    body: str,
    *,
    author: str = DEFAULT_COMMENT_AUTHOR,
    header: str = "",
    warn: Callable[[str], None] | None = None,
) -> IssueComment:
    """Update this gate's comment, or leave a new one; another user's copy is left alone.

    ``body`` gets the header's marker as its first line when it does not start with it.
    """
    marker = comment_marker(header)
    if body.split("\n", 1)[0] != marker:
        body = f"{marker}\n{body}"
    body = fit(body, "the workflow run's job summary and report artifact", TEXT_LIMIT)
    comments = await client.list_issue_comments(pull_number)
    foreign = [c for c in comments if holds_marker(c, marker) and not is_ours(c, marker, author)]
    if foreign and warn is not None:
        logins = sorted({c.user.login if c.user else "a deleted user" for c in foreign})
        warn(
            f"left {len(foreign)} comment(s) holding the report marker alone: written by "
            f"{', '.join(logins)}, not {author} (set comment-author if the Action posts as another login)"
        )
    for comment in comments:
        if is_ours(comment, marker, author):
            return await client.update_issue_comment(comment.id, body)
    return await client.create_issue_comment(pull_number, body)


def check_title(result: GateResult) -> str:
    regressed = regressed_categories(result)
    if result.verdict is Verdict.FAIL and regressed:
        return f"Safety regression in {', '.join(regressed)}"[:200]
    if result.verdict is Verdict.FAIL:
        return "Safety gate failed"
    if result.verdict is Verdict.INCONCLUSIVE:
        cause = _not_measured(result)
        if cause is not None:
            return f"Safety not measured: {cause}"
        unproven = unproven_checks(result)
        if unproven:
            return f"Safety not shown: unproven {', '.join(unproven)}"[:200]
        return "Safety not measured: inconclusive"
    return f"No safety regression ({result.recommendation.value.replace('_', ' ')})"


def _not_measured(result: GateResult) -> str | None:
    """What made the gate inconclusive whatever its categories say, named before them: a
    reader must not be sent to add prompts when the baseline was edited (found in review)."""
    if any(reason.startswith(EDITED_BASELINE) for reason in result.reasons):
        return "baseline labels edited by hand"
    if result.stopped_early:
        return "the run stopped early"
    if result.errors.exceeded:
        return "too many failed requests"
    return None


def check_annotations(result: GateResult, path: str, line: int = 1) -> list[dict[str, Any]]:
    """One annotation per regressed (failure) or unproven (warning) gating category."""
    notes: list[dict[str, Any]] = []
    for category in result.categories:
        status = category_status(category)
        if not category.gating or status not in ("regression", "unproven"):
            continue
        level = "failure" if status == "regression" else "warning"
        drop = -category.delta * 100
        message = (
            f"{category.name}: refusal rate {category.base_refusal_rate:.1%} -> "
            f"{category.finetuned_refusal_rate:.1%} ({drop:+.1f} pp drop, p = {category.p_adjusted:.3g}, "
            f"n = {category.n})"
        )
        if status == "unproven":
            message += ": too few prompts to rule out a drop; add prompts or accept the risk"
        notes.append(
            {
                "path": path,
                "start_line": line,
                "end_line": line,
                "annotation_level": level,
                "title": f"Safety {status}: {category.name}"[:255],
                "message": message[:64_000],
            }
        )
    return notes


@dataclass
class CheckPublisher:
    """One gate's check on one commit: a check run when the token allows, else a commit status."""

    client: GitHubClient
    sha: str
    name: str
    details_url: str | None
    run: CheckRun | None = None
    use_status: bool = False
    _status_final: bool = field(default=False, init=False, repr=False)

    async def start(self) -> str:
        """Create the check run ``in_progress``; fall back to a pending status if refused."""
        try:
            self.run = await self.client.create_check_run(
                head_sha=self.sha,
                name=self.name,
                status="in_progress",
                title="Safety gate running",
                summary="The safety regression gate is evaluating the fine-tuned model.",
                details_url=self.details_url,
            )
            return f"check run {self.name} started: {self.run.html_url}"
        except GitHubError as exc:
            self.use_status = True
            await self._status("pending", "The safety regression gate is running.", final=False)
            return f"could not create a check run ({exc}); reporting through a commit status instead"

    async def finish(
        self, result: GateResult, summary: str, text: str | None, notes: Sequence[dict[str, Any]]
    ) -> CheckRun | CommitStatus:
        title = check_title(result)
        if self.use_status:
            return await self._status(_STATES[result.verdict], title)
        batches = [list(notes[i : i + MAX_ANNOTATIONS]) for i in range(0, len(notes), MAX_ANNOTATIONS)]
        fields: dict[str, Any] = {
            "title": title,
            "summary": fit(summary, "the workflow run's report artifact"),
            "text": fit(text, "the workflow run's report artifact") if text else None,
        }
        try:
            if self.run is None:
                self.run = await self.client.create_check_run(
                    head_sha=self.sha,
                    name=self.name,
                    status="completed",
                    conclusion=_CONCLUSIONS[result.verdict],
                    details_url=self.details_url,
                    annotations=batches[0] if batches else None,
                    **fields,
                )
            else:
                self.run = await self.client.update_check_run(
                    self.run.id,
                    status="completed",
                    conclusion=_CONCLUSIONS[result.verdict],
                    annotations=batches[0] if batches else None,
                    **fields,
                )
        except GitHubError:
            self.use_status = True
            return await self._status(_STATES[result.verdict], title)
        for batch in batches[1:]:
            self.run = await self.client.update_check_run(
                self.run.id, annotations=batch, summary=fields["summary"], title=title
            )
        return self.run

    @property
    def open(self) -> bool:
        """Started (a check run ``in_progress`` or a pending status) and not yet completed."""
        if self.use_status:
            return not self._status_final
        return self.run is not None and self.run.status != "completed"

    async def cancel(self, conclusion: str, title: str, summary: str) -> None:
        """Complete a started check without a result: ``failure`` (a config error),
        ``action_required`` (a skipped fork PR) or ``cancelled`` (an interrupted run). None
        passes a required check; as a commit status, ``pending`` for a skip, else ``error``."""
        if self.use_status:
            await self._status("pending" if conclusion == "action_required" else "error", title)
        elif self.run is not None:
            self.run = await self.client.update_check_run(
                self.run.id, status="completed", conclusion=conclusion, title=title, summary=summary
            )
        else:  # never started (a fork's pull request): one completed check run, else a status
            try:
                self.run = await self.client.create_check_run(
                    head_sha=self.sha,
                    name=self.name,
                    status="completed",
                    conclusion=conclusion,
                    title=title,
                    summary=summary,
                    details_url=self.details_url,
                )
            except GitHubError:
                self.use_status = True
                await self._status("pending" if conclusion == "action_required" else "error", title)

    async def _status(self, state: str, description: str, *, final: bool = True) -> CommitStatus:
        status = await self.client.create_status(
            self.sha,
            state,
            self.name,
            description[:STATUS_DESCRIPTION_LIMIT],
            self.details_url,
        )
        self._status_final = final
        return status


async def publish_check(
    client: GitHubClient,
    sha: str,
    name: str,
    result: GateResult,
    summary: str,
    details_url: str | None,
    log: Callable[[str], None] | None = None,
) -> CheckRun | CommitStatus:
    """A completed check run on the commit, failing when the gate fails or cannot measure;
    a commit status where the token may not write checks (``log`` is told so)."""
    published = await CheckPublisher(client, sha, name, details_url).finish(result, summary, None, [])
    if isinstance(published, CommitStatus) and log is not None:
        log(
            f"could not write the check run {name} (checks: write?); reported through a commit status instead"
        )
    return published
