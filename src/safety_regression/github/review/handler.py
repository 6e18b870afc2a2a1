"""The review job: one ``/safety-review`` comment in, a re-gated comment and check out.

1. Ignore what is not a command in a pull-request comment, a comment whose commands all
   address another gate (``/safety-review:HEADER``), and every bot's comment.
2. Check the author's permission (``GET .../collaborators/{username}/permission``): below
   ``write``, react 👎 and change nothing.
3. React 👀; parse the commands, one per line, outside code and quotes (a malformed one
   gets a reply naming the problem, and its line when there are several, 😕).
4. Fetch the stored per-case results of the pull request's head commit (the gate run's
   artifact), apply the commands in order to the decisions stored in the report comment
   (all of them, or none), re-gate with no model call, update the comment and the
   check, and react 🚀. On a pull request with several gates, lines about a case this gate
   does not know are left to the others (``gates``), and only the first gate replies to
   one no gate knows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import aiohttp

from safety_regression.errors import GitHubError
from safety_regression.github.inputs import ActionInputs
from safety_regression.github.models import Permission, ReactionContent
from safety_regression.github.publish import publish_check
from safety_regression.github.review.artifacts import ArtifactClient, holds_member, read_member
from safety_regression.github.review.commands import (
    PREFIX,
    USAGE,
    CommandError,
    addressed,
    command_lines,
    for_gate,
    is_command,
    misspelt,
    parse_commands,
)
from safety_regression.github.review.decisions import Stored, check_room, decide_all
from safety_regression.github.review.event import CommentEvent
from safety_regression.github.review.gates import PullGates, leave_to_others, pull_gates
from safety_regression.github.review.publishing import (
    put_comment,
    report_comment,
    stored_review,
)
from safety_regression.github.review.regate import (
    CANDIDATE_FILE,
    REFERENCE_FILE,
    SETUP_FILE,
    ReviewSetup,
    read_setup,
    regate,
)
from safety_regression.github.review.render import comment_body, decisions_section
from safety_regression.github.workflow import Workflow
from safety_regression.report.comment import CommentLinks, CommentOptions, render_comment
from safety_regression.snapshot.model import Snapshot

_MAY_DECIDE = (Permission.ADMIN, Permission.WRITE)


@dataclass(frozen=True)
class ReviewContext:
    api_url: str
    token: str
    repository: str
    artifact: str
    check_name: str
    """The check run's name, with the header (``ActionInputs.check_run_name``)."""
    header: str
    """The gate's ``header``: its report comment's marker, and its check's name."""
    comment_author: str
    """The login the report comment is written by: the ``comment-author`` input."""
    details_url: str | None
    now: Callable[[], datetime]


async def review_comment(
    event: CommentEvent, context: ReviewContext, session: aiohttp.ClientSession, workflow: Workflow
) -> str:
    """Carry out one review command; returns the verdict after it, or why nothing changed."""
    comment, author = event.comment, event.comment.user
    if event.action != "created" or not event.on_pull_request:
        workflow.notice("not a new pull-request comment: nothing to review")
        return "ignored"
    if not is_command(comment.body):
        typo = misspelt(comment.body)
        if typo is not None and author is not None and not author.is_bot:
            await _reply_to_typo(event, context, session, typo, workflow)
        workflow.notice("the comment holds no /safety-review command")
        return "ignored"
    if not any(for_gate(line, context.header) for _, line in command_lines(comment.body or "")):
        workflow.notice(f"the comment's commands address another gate, not {_gate_name(context.header)}")
        return "ignored"
    if author is None or author.is_bot:
        workflow.notice("review commands from bots are ignored")
        return "ignored"
    client = ArtifactClient(session, context.api_url, context.token, context.repository)
    permission = await client.permission_of(author.login)
    if permission not in _MAY_DECIDE:
        await client.add_reaction(comment.id, ReactionContent.MINUS_ONE)
        workflow.notice(f"{author.login} has {permission.value} access; review commands need write")
        return "refused"
    seen = await client.add_reaction(comment.id, ReactionContent.EYES)
    token_login = seen.user.login if seen.user is not None else ""
    other_login = token_login if token_login.lower() not in ("", context.comment_author.lower()) else ""
    if other_login:
        workflow.warning(
            f"the token acts as {other_login}, but comment-author is {context.comment_author}: the gate "
            f"job reads the decisions only from the report comment comment-author wrote; if the Action "
            f"posts as {other_login}, set comment-author: {other_login} in both workflows"
        )
    gates = PullGates(context.header)
    try:
        comments = await client.list_issue_comments(event.issue.number)
        gates = pull_gates(comments, [context.comment_author, other_login], context.header)
        try:
            commands = parse_commands(comment.body or "", context.header)
        except CommandError as exc:
            if gates.several and not gates.first and not _addressed_to(comment.body or "", context.header):
                # A line every gate reads: the pull request's first gate replies, once.
                workflow.notice(f"review command not applied: {exc}; the first gate replies")
                return "ignored"
            raise
        pull = await client.get_pull(event.issue.number)
        reference, candidate, setup = await _stored_results(client, context.artifact, pull.head.sha)
        ours = report_comment(comments, context.comment_author, context.header)
        if ours is None and other_login:
            # The token's own comment is as trustworthy, and rewriting it beats a second report.
            ours = report_comment(comments, other_login, context.header)
        try:
            stored = stored_review(ours)
        except ValueError as exc:
            workflow.warning(f"{exc}; starting from no decisions")
            stored = Stored()
        if comment.id in stored.applied:
            workflow.notice(
                f"the commands of comment {comment.id} were already applied (a re-run of the job): "
                "nothing is applied again"
            )
            return "ignored"
        before = stored.decisions
        commands, left = leave_to_others(commands, gates, before, candidate)
        if left:
            lines = ", ".join(str(number) for number, _ in left)
            workflow.notice(
                f"line(s) {lines} of the comment: a case {_gate_name(context.header)} does not know, "
                f"left to the pull request's other gates ({', '.join(map(_gate_name, gates.others))})"
            )
        if not commands:
            return "ignored"
        decisions = decide_all(
            commands, before, candidate, by=author.login, at=context.now(), comment_url=comment.html_url
        )
        check_room(stored, stored.after(decisions, comment.id))
    except CommandError as exc:
        hint = gates.hint() if gates.several else ""
        await _reply(client, event, f"@{author.login} `/safety-review`: {exc}{hint}")
        await client.add_reaction(comment.id, ReactionContent.CONFUSED)
        workflow.warning(f"review command not applied: {exc}")
        return "malformed"
    except GitHubError:
        await client.add_reaction(comment.id, ReactionContent.CONFUSED)
        raise
    regated = regate(reference, candidate, setup, decisions)
    # The same short form as the gate job's comment; the artifact is the gate run's.
    links = CommentLinks(run=context.details_url, artifact_name=context.artifact, report=context.details_url)
    markdown = render_comment(regated.result, setup.report, links, CommentOptions(header=context.header))
    section = decisions_section(regated)
    body = comment_body(markdown, section, decisions, stored.after(decisions, comment.id).applied)
    await put_comment(client, event.issue.number, ours, body)
    # A new completed check run of the same name: GitHub shows the newest for the commit.
    await publish_check(
        client,
        pull.head.sha,
        context.check_name,
        regated.result,
        markdown + "\n" + section,
        context.details_url,
        workflow.warning,
    )
    await client.add_reaction(comment.id, ReactionContent.ROCKET)
    workflow.add_summary(markdown + "\n" + section)
    verbs = [command.verb.value for _, command in commands]
    done = verbs[0] if len(verbs) == 1 else f"{len(verbs)} commands ({', '.join(verbs)})"
    workflow.notice(f"{done} applied by {author.login}: verdict {regated.result.verdict.value}")
    return regated.result.verdict.value


async def _stored_results(
    client: ArtifactClient, name: str, head_sha: str
) -> tuple[Snapshot, Snapshot, ReviewSetup]:
    artifact = await client.find_artifact(name, head_sha)
    if artifact is None:
        raise CommandError(
            f"no stored gate results for the head commit {head_sha[:7]} (artifact `{name}`): "
            "wait for the gate to finish, or re-run it; a review re-gates only stored results"
        )
    if artifact.workflow_run is not None and artifact.workflow_run.from_fork:
        # A fork's pull_request run executes the fork's own workflow file, so it can upload
        # anything under this name: re-gating it with a write token would publish forged results.
        raise CommandError(
            f"the stored results of {head_sha[:7]} come from a workflow run on a fork, which could "
            "have written anything into them: review commands re-gate only runs of this repository's "
            "own code (see docs/action.md, forks)"
        )
    archive = await client.download_artifact(artifact)
    if not holds_member(archive, SETUP_FILE):
        # The gate step removes it before it asks anything and writes it after its reports:
        # without it, the snapshots beside it may be an earlier run's (found in review).
        raise CommandError(
            f"the stored results of {head_sha[:7]} (artifact `{name}`) hold no {SETUP_FILE}: the gate "
            "run that uploaded them did not finish (cancelled, or stopped before its reports), or did "
            "not upload its whole output folder; re-run the gate"
        )
    try:
        reference = Snapshot.model_validate_json(read_member(archive, REFERENCE_FILE, name))
        candidate = Snapshot.model_validate_json(read_member(archive, CANDIDATE_FILE, name))
        setup = read_setup(read_member(archive, SETUP_FILE, name), f"of {head_sha[:7]}")
    except CommandError:
        raise  # a setup of another version: the reply says to re-run the gate
    except ValueError as exc:
        raise GitHubError(
            f"artifact {name} holds a file this version cannot read: {str(exc)[:200]}"
        ) from None
    return reference, candidate, setup


def _gate_name(header: str) -> str:
    return f"the gate `{header}`" if header else "the gate without a header"


def _addressed_to(body: str, header: str) -> bool:
    """Whether a command line of the comment addresses this gate by its header."""
    return any((addressed(line) or "").lower() == header.lower() != "" for _, line in command_lines(body))


_TYPO_MARK = "<!-- safety-review-misspelt {} -->"


async def _reply_to_typo(
    event: CommentEvent, context: ReviewContext, session: aiohttp.ClientSession, typo: str, workflow: Workflow
) -> None:
    """One reply to a misspelt command from someone who may review: not again when the job
    re-runs, nor from a pull request's other gates (the reply carries the comment's id)."""
    client = ArtifactClient(session, context.api_url, context.token, context.repository)
    author = event.comment.user
    assert author is not None
    if await client.permission_of(author.login) not in _MAY_DECIDE:
        return
    mark = _TYPO_MARK.format(event.comment.id)
    if any(mark in (c.body or "") for c in await client.list_issue_comments(event.issue.number)):
        workflow.notice(f"`{typo}` is not a command; the reply saying so is there already")
        return
    await _reply(
        client,
        event,
        f"@{author.login} `{_inert(typo)}` is not a command, so nothing was done: did you mean "
        f"`{PREFIX}`? Post the command again as {USAGE}.\n{mark}",
    )
    workflow.notice(f"`{typo}` is not a command: replied with the usage")


def _inert(word: str) -> str:
    return "".join(ch for ch in word if ch.isprintable() and ch not in "`@<>")[:60]


async def _reply(client: ArtifactClient, event: CommentEvent, text: str) -> None:
    await client.create_issue_comment(event.issue.number, text)


def review_context(
    environ: Mapping[str, str], inputs: ActionInputs, now: Callable[[], datetime]
) -> ReviewContext:
    server, repository, run = (
        environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    return ReviewContext(
        api_url=environ.get("GITHUB_API_URL", "https://api.github.com"),
        token=inputs.github_token,
        repository=repository or "",
        artifact=inputs.artifact,
        check_name=inputs.check_run_name,
        header=inputs.header,
        comment_author=inputs.comment_author,
        details_url=f"{server}/{repository}/actions/runs/{run}" if server and repository and run else None,
        now=now,
    )
