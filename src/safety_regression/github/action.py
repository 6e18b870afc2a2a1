"""The GitHub Action's entrypoint: run the gate, then report it where reviewers look.

A thin shell over the same library as the CLI: the gate runs through ``pipeline``, the
reports through ``report``; this module adds the job summary, step outputs, the sticky
pull-request comment, the check run (or a commit status) and the alert. Exit codes are
the CLI's (0 pass, 1 regression, 2 usage, 3 inconclusive), unless ``fail-on: never``.

Order of a run:

1. read the inputs and the event; start the check run ``in_progress``;
2. read the config (its errors are pinned to file and line with ``::error``);
3. a fork's pull request without the model's secrets is skipped, saying so;
4. run the gate, with a progress line in the log every half minute;
5. write the reports, the job summary and the outputs;
6. publish the comment and complete the check, each on its own: a token that may
   write one but not the other still writes that one;
7. alert (mentions, webhook) when the gate failed; the terminal summary ends the log.
"""

from __future__ import annotations

import asyncio
import os
import sys
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import aiohttp

from safety_regression import outputs
from safety_regression._process import INTERRUPT_EXIT, handle_sigterm, interrupting_signal, sigterm_cancels
from safety_regression.config import Config, load_config
from safety_regression.endpoints.run_cache import RunCompletion
from safety_regression.errors import ConfigError, ExitCode, GitHubError, SafetyRegressionError
from safety_regression.github.alert import AlertContext, alert_due, send_webhook, webhook_payload
from safety_regression.github.baseline_guard import guard_baseline
from safety_regression.github.client import TEXT_LIMIT, api_url_problem
from safety_regression.github.gating import (
    ShardRun,
    gate,
    mask_api_keys,
    missing_secrets,
    read_inputs_of,
    shard_done,
    with_overrides,
)
from safety_regression.github.inputs import ActionInputs, AlertOn, FailOn, read_inputs
from safety_regression.github.publish import check_annotations, upsert_comment
from safety_regression.github.pull_request import PullRequest
from safety_regression.github.review import (
    carry_in_action,
    read_comment_event,
    review_comment,
    review_context,
)
from safety_regression.github.workflow import Workflow
from safety_regression.outputs import REPORT_JSON, REPORT_MD, check_file_target, check_out_dir, write_outputs
from safety_regression.pipeline import Environment, GateRun, known_secrets
from safety_regression.pipeline.budget import stopped_message
from safety_regression.pipeline.progress import LogProgress
from safety_regression.report import render_markdown, render_terminal
from safety_regression.report.comment import (
    CommentLinks,
    CommentOptions,
    comment_marker,
    regressed_categories,
    render_comment,
    unproven_categories,
)

FORK_SKIPPED = (
    "The safety gate was skipped: the model's secrets ({names}) are not available to workflows "
    "of pull requests from forks. A maintainer can run it with the two-stage pattern "
    "(docs/action.md, 'Pull requests from forks')."
)

RERUN = "re-run the job (the answers received so far are kept in its cache, if the cache is on)"
"""What an interrupted run says to do, in the log and on its check."""


def main() -> None:
    """Run the Action in this process (``launch.main``, the console script, sets the
    process defaults first). SIGTERM (the runner stopping a cancelled job after its SIGINT,
    a container stopped) interrupts it as SIGINT does."""
    handle_sigterm()
    try:
        code = run_action(os.environ, sys.stdout)
    except Exception:
        # A bug keeps its traceback, but exits 3, never 1 (which CI reads as "regression").
        traceback.print_exc()
        Workflow(sys.stdout, os.environ).error("internal error, a bug in safety-regression: see the log")
        code = int(ExitCode.INCONCLUSIVE)
    sys.exit(code)


def run_action(environ: Mapping[str, str], stdout: TextIO) -> int:
    workflow = Workflow(stdout, environ)
    warnings: list[str] = []
    try:
        inputs = read_inputs(environ, warnings)
    except SafetyRegressionError as exc:
        workflow.located_error(str(exc))
        return int(exc.exit_code)
    workflow.mask(inputs.github_token)
    workflow.mask(inputs.webhook_url)
    for warning in warnings:
        workflow.warning(warning)
    try:
        if environ.get("GITHUB_EVENT_NAME") == "issue_comment":
            return asyncio.run(sigterm_cancels(_review(inputs, environ, workflow)))
        _check_destinations(inputs, environ)
        return asyncio.run(sigterm_cancels(_run(inputs, environ, workflow)))
    except SafetyRegressionError as exc:
        workflow.close_groups()
        workflow.located_error(str(exc))
        return int(exc.exit_code)
    except KeyboardInterrupt:
        # The runner sends SIGINT when a job is cancelled (then SIGTERM): say so plainly,
        # no traceback, with the shell's code for the signal (130, 143).
        received = interrupting_signal()
        workflow.close_groups()
        workflow.error(f"interrupted ({received.name}): the gate did not finish; {RERUN}")
        return INTERRUPT_EXIT[received]


def _check_destinations(inputs: ActionInputs, environ: Mapping[str, str]) -> None:
    """Everything the Action writes to or talks to after the gate, checked before it starts."""
    check_out_dir(inputs.out, "input out:")
    for variable in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        if environ.get(variable):
            check_file_target(Path(environ[variable]), variable)
    if (inputs.comment or inputs.check) and inputs.github_token:
        api_url = environ.get("GITHUB_API_URL", "https://api.github.com")
        problem = api_url_problem(api_url)
        if problem:
            raise ConfigError(f"GITHUB_API_URL {api_url!r}: {problem}")


def _cache_root(environ: Mapping[str, str]) -> Path | None:
    """In the Action the cache lives under RUNNER_TEMP unless the config names a cache.dir:
    never in the workspace, where unredacted model responses are easy to commit."""
    runner_temp = environ.get("RUNNER_TEMP")
    return Path(runner_temp) / "safety-regression-cache" if runner_temp else None


async def _run(inputs: ActionInputs, environ: Mapping[str, str], workflow: Workflow) -> int:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        pull = PullRequest(inputs, environ, workflow)
        try:
            return await _publishing(inputs, environ, workflow, session, pull)
        except (asyncio.CancelledError, KeyboardInterrupt):
            # SIGINT and SIGTERM cancel this task (asyncio.run's handler, ``sigterm_cancels``);
            # a second SIGINT raises here: either way, the open check is completed.
            received = interrupting_signal().name
            workflow.close_groups()
            summary = f"The gate was interrupted ({received}) before it finished: {RERUN}."
            await pull.interrupted(received, summary)
            raise


async def _publishing(
    inputs: ActionInputs,
    environ: Mapping[str, str],
    workflow: Workflow,
    session: aiohttp.ClientSession,
    pull: PullRequest,
) -> int:
    """The run, from the check run's start to the report (``_run``)."""
    await pull.start(session, publishing=inputs.shard is None)
    try:
        config = with_overrides(load_config(inputs.config, cache_root=_cache_root(environ)), inputs)
        outputs.check_spares_inputs(inputs.out, read_inputs_of(inputs, config), "input out:")
        mask_api_keys(config, environ, workflow)
        pull.protect(known_secrets(config, environ))  # nothing sent to GitHub holds a key
        missing = missing_secrets(config, environ)
        if missing and pull.event is not None and pull.event.from_fork:
            return await _skip_fork(pull, missing, workflow)
        await pull.begin()
        env = Environment(
            session=session,
            environ=environ,
            now=_now,
            # Plain progress lines in the job log: one per model every 30 s and when done.
            progress=LogProgress(workflow.stream, 30.0),
            use_cache=not inputs.no_cache,
            warn=workflow.located_warning,
        )
        workflow.group("Safety regression gate")
        outcome = await gate(inputs, config, env, Path(environ.get("GITHUB_WORKSPACE", ".")), workflow)
        workflow.end_group()
    except SafetyRegressionError as exc:
        workflow.close_groups()
        workflow.located_error(str(exc))
        line = "; ".join(str(exc).splitlines())[:1000]  # every mistake, one after another
        await pull.abandon("failure", "Safety gate could not run", f"The gate stopped: {line}")
        return int(exc.exit_code)
    if isinstance(outcome, ShardRun):
        return shard_done(outcome, workflow)
    return await _report(inputs, config, pull, session, outcome, workflow, env.completion())


async def _skip_fork(pull: PullRequest, missing: list[str], workflow: Workflow) -> int:
    message = FORK_SKIPPED.format(names=", ".join(missing))
    workflow.notice(message)
    workflow.add_summary(f"## ⏭️ Safety gate skipped\n\n{message}\n")
    workflow.set_outputs({"verdict": "skipped"})
    # Not neutral: branch protection takes neutral as passing, and a skip has measured nothing.
    await pull.abandon("action_required", "Safety gate skipped: fork pull request", message)
    return int(ExitCode.PASSED)


async def _report(
    inputs: ActionInputs,
    config: Config,
    pull: PullRequest,
    session: aiohttp.ClientSession,
    gate_run: GateRun,
    workflow: Workflow,
    completion: RunCompletion,
) -> int:
    gate_run = await guard_baseline(inputs, config, pull, session, gate_run, workflow)
    # Then the stored review decisions (until their case's answer changes), keeping the guard's hold.
    carried = await carry_in_action(gate_run, config, inputs, pull.environ, session)
    gate_run, result = carried.gate_run, carried.gate_run.result
    for note in gate_run.notes + carried.notes:
        workflow.notice(note)
    if gate_run.stopped is not None:
        workflow.error(f"the run stopped early: {gate_run.stopped}; run it again to resume")
    if result.usage is not None and result.usage.stopped is not None:  # a budget: said as loudly
        workflow.error(stopped_message(result.usage))
    write_outputs(inputs.out, result, gate_run.reference, gate_run.candidate, config.report, _now())
    carried.save_setup(inputs.out)
    completion.mark()  # only once the reports are written: a job cancelled before resumes
    markdown = render_markdown(result, config.report)
    workflow.add_summary(markdown)
    links = CommentLinks(
        run=pull.run_url,
        artifact=f"{pull.run_url}#artifacts" if pull.run_url else None,
        artifact_name=inputs.artifact,
        report=pull.run_url,
    )
    options = CommentOptions(
        header=inputs.header,
        mentions=inputs.mention_list(),
        mention_on_inconclusive=inputs.alert_on is AlertOn.FAIL_OR_INCONCLUSIVE,
        # Room for the review decisions the comment carries after the report.
        limit=TEXT_LIMIT - len(carried.comment(comment_marker(inputs.header) + "\n")) - 8,
    )
    comment = carried.comment(render_comment(result, config.report, links, options))
    if carried.unread is not None:
        workflow.warning(carried.unread)  # the stored decisions stay where they are
        comment_url = None
    else:
        comment_url = await _comment(inputs, pull, comment, workflow)
    check_url = await _check(inputs, pull, comment, markdown, gate_run, workflow)
    composite = result.composite_score.finetuned
    outputs = {
        "verdict": result.verdict.value,
        "recommendation": result.recommendation.value,
        "report-json": str(inputs.out / REPORT_JSON),
        "report-md": str(inputs.out / REPORT_MD),
        "regressed-categories": ",".join(regressed_categories(result)),
        "unproven-categories": ",".join(unproven_categories(result)),
        # Empty when no category was scored: a score of nothing is not 0.
        "composite-score": "" if composite is None else f"{composite:.4f}",
        "comment-url": comment_url or "",
        "check-run-url": check_url or "",
    }
    workflow.set_outputs(outputs)
    if inputs.webhook_url and alert_due(result.verdict, inputs.alert_on):
        await _webhook(inputs, pull, session, gate_run, comment_url, check_url, workflow)
    workflow.log(render_terminal(result))
    code = result.verdict.exit_code
    return int(ExitCode.PASSED if inputs.fail_on is FailOn.NEVER else code)


async def _comment(inputs: ActionInputs, pull: PullRequest, body: str, workflow: Workflow) -> str | None:
    if pull.client is None or pull.event is None or not inputs.comment or pull.event.pull_number is None:
        return None
    try:
        posted = await upsert_comment(
            pull.client,
            pull.event.pull_number,
            body,
            author=inputs.comment_author,
            header=inputs.header,
            warn=workflow.warning,
        )
    except GitHubError as exc:
        workflow.warning(f"could not post the pull-request comment: {exc}")
        return None
    workflow.notice(f"report posted to {posted.html_url}")
    return posted.html_url


async def _check(
    inputs: ActionInputs,
    pull: PullRequest,
    summary: str,
    markdown: str,
    gate_run: GateRun,
    workflow: Workflow,
) -> str | None:
    if pull.check is None:
        return None
    notes = check_annotations(gate_run.result, _repo_path(inputs.config, pull.environ))
    started = pull.check.run is not None
    try:
        published = await pull.check.finish(gate_run.result, summary, markdown, notes)
    except GitHubError as exc:
        workflow.warning(f"could not complete the check run or a commit status: {exc}")
        return None
    if started and pull.check.use_status:
        workflow.warning(
            f"could not complete the check run {pull.check.name} (checks: write?); reported through a "
            "commit status instead (the check run stays in progress)"
        )
    url = getattr(published, "html_url", None) or getattr(published, "target_url", None)
    return url if isinstance(url, str) else None


async def _webhook(
    inputs: ActionInputs,
    pull: PullRequest,
    session: aiohttp.ClientSession,
    gate_run: GateRun,
    comment_url: str | None,
    check_url: str | None,
    workflow: Workflow,
) -> None:
    event = pull.event
    context = AlertContext(
        repository=event.repository if event else "",
        pull_number=event.pull_number if event else None,
        sha=event.sha if event else "",
        header=inputs.header,
        links={"run": pull.run_url, "comment": comment_url, "check": check_url},
    )
    payload = webhook_payload(gate_run.result, context, inputs.webhook_format)
    problem = await send_webhook(session, inputs.webhook_url, payload)
    if problem is None:
        workflow.log("safety-regression: alert sent to the webhook")
    else:
        workflow.warning(f"{problem}: the verdict stands; check the webhook-url secret")


async def _review(inputs: ActionInputs, environ: Mapping[str, str], workflow: Workflow) -> int:
    """An ``issue_comment`` event: carry out a ``/safety-review`` command, asking no model."""
    if not inputs.github_token:
        raise GitHubError("a review needs the github-token input")
    context = review_context(environ, inputs, _now)
    async with aiohttp.ClientSession() as session:
        outcome = await review_comment(read_comment_event(environ), context, session, workflow)
    workflow.set_outputs({"review": outcome})
    return int(ExitCode.PASSED)


def _repo_path(config: Path, environ: Mapping[str, str]) -> str:
    """The config's path relative to the repository, as annotations name files."""
    workspace = Path(environ.get("GITHUB_WORKSPACE", ".")).resolve()
    try:
        return str(config.resolve().relative_to(workspace))
    except ValueError:
        return str(config)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
