"""Reading the decisions from the report comment, and putting a re-gated result back."""

from __future__ import annotations

from collections.abc import Sequence

from safety_regression.github.client import GitHubClient
from safety_regression.github.models import IssueComment
from safety_regression.github.publish import fit, is_ours
from safety_regression.github.review.decisions import Decision, Stored, decode_stored
from safety_regression.report.comment import comment_marker


def report_comment(comments: Sequence[IssueComment], author: str, header: str = "") -> IssueComment | None:
    """The report comment, found as the gate job finds its sticky comment: its first line is
    the ``header``'s marker *and* ``author`` (the ``comment-author`` input) wrote it, so a
    comment anyone else writes with the marker (and forged decisions) is never read."""
    marker = comment_marker(header)
    return next((comment for comment in comments if is_ours(comment, marker, author)), None)


def stored_decisions(comment: IssueComment | None) -> list[Decision]:
    """The decisions in the report comment; a damaged block raises ``ValueError``."""
    return stored_review(comment).decisions


def stored_review(comment: IssueComment | None) -> Stored:
    """The decisions and applied comment ids in the report comment; a damaged block raises ``ValueError``."""
    return decode_stored(comment.body or "") if comment is not None else Stored()


async def put_comment(
    client: GitHubClient, pull_number: int, existing: IssueComment | None, body: str
) -> IssueComment:
    body = fit(body, "the workflow run's job summary and report artifact")
    if existing is not None:
        return await client.update_issue_comment(existing.id, body)
    return await client.create_issue_comment(pull_number, body)
