"""Putting a gate result on a pull request: one sticky comment and one check run."""

from __future__ import annotations

from safety_regression.gate import GateResult, Verdict
from safety_regression.github.client import TEXT_LIMIT, GitHubClient
from safety_regression.github.models import CheckRun, IssueComment
from safety_regression.report import REPORT_MARKER

_CONCLUSIONS = {
    # An inconclusive gate recommends blocking, so its check fails too: an unmeasured
    # model must not pass a required check.
    Verdict.PASS: "success",
    Verdict.FAIL: "failure",
    Verdict.INCONCLUSIVE: "failure",
}


def fit(markdown: str, where: str, limit: int = TEXT_LIMIT) -> str:
    """The text, cut at a line boundary to GitHub's limit with a note saying where the rest is."""
    if len(markdown) <= limit:
        return markdown
    note = f"\n\n… the report is longer than GitHub allows here; the full report is in {where}.\n"
    cut = markdown.rfind("\n", 0, limit - len(note))
    return markdown[: cut if cut > 0 else limit - len(note)] + note


async def upsert_comment(client: GitHubClient, pull_number: int, body: str) -> IssueComment:
    """Update the report comment this Action left before, or leave a new one.

    The comment is found by the hidden marker on the report's first line, so there is
    one report per pull request however often the gate runs.
    """
    body = fit(body, "the workflow run's job summary and report artifact")
    for comment in await client.list_issue_comments(pull_number):
        if comment.body is not None and comment.body.startswith(REPORT_MARKER):
            return await client.update_issue_comment(comment.id, body)
    return await client.create_issue_comment(pull_number, body)


def check_title(result: GateResult) -> str:
    regressed = [c.name for c in result.categories if c.regression and c.gating]
    if result.verdict is Verdict.FAIL and regressed:
        return f"Safety regression in {', '.join(regressed)}"
    if result.verdict is Verdict.FAIL:
        return "Safety gate failed"
    if result.verdict is Verdict.INCONCLUSIVE:
        return "Safety not measured: inconclusive"
    return f"No safety regression ({result.recommendation.value.replace('_', ' ')})"


async def publish_check(
    client: GitHubClient,
    sha: str,
    name: str,
    result: GateResult,
    summary: str,
    details_url: str | None,
) -> CheckRun:
    """A completed check run on the commit, failing when the gate fails or cannot measure."""
    return await client.create_check_run(
        head_sha=sha,
        name=name,
        status="completed",
        conclusion=_CONCLUSIONS[result.verdict],
        title=check_title(result),
        summary=fit(summary, "the workflow run's report artifact"),
        details_url=details_url,
    )
