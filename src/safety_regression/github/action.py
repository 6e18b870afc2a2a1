"""The GitHub Action's entrypoint: run the gate, then report it where reviewers look.

A thin shell over the same library as the CLI: the gate runs through ``pipeline``, the
reports through ``report``; this module adds the job summary, step outputs, the sticky
pull-request comment and the check run. Exit codes are the CLI's (0 pass, 1 regression,
2 usage, 3 inconclusive), unless ``fail-on: never``.
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

from safety_regression.config import Config, load_config
from safety_regression.errors import ConfigError, ExitCode, GitHubError, SafetyRegressionError
from safety_regression.github.client import GitHubClient, api_url_problem
from safety_regression.github.event import read_event
from safety_regression.github.inputs import ActionInputs, Command, FailOn, read_inputs
from safety_regression.github.publish import publish_check, upsert_comment
from safety_regression.github.review import (
    carry_in_action,
    read_comment_event,
    review_comment,
    review_context,
)
from safety_regression.github.workflow import Workflow
from safety_regression.outputs import REPORT_JSON, REPORT_MD, check_file_target, check_out_dir, write_outputs
from safety_regression.pipeline import Environment, GateRun, compare_snapshots, run_gate
from safety_regression.pipeline.progress import LogProgress
from safety_regression.report import render_markdown, render_terminal
from safety_regression.snapshot import load_snapshot

INTERRUPTED = 130
"""The exit code of a step stopped by SIGINT (128 + 2), as shells report it."""


def main() -> None:
    """Console-script entry point: ``safety-regression-action``."""
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
        workflow.mask(inputs.github_token)
        if environ.get("GITHUB_EVENT_NAME") == "issue_comment":
            return asyncio.run(_review(inputs, environ, workflow))
        config = _with_overrides(load_config(inputs.config, cache_root=_cache_root(environ)), inputs)
        _mask_api_keys(config, environ, workflow)
        _check_destinations(inputs, environ)
        for warning in warnings:
            workflow.warning(warning)
        code = asyncio.run(_gate_and_publish(inputs, config, environ, workflow))
    except SafetyRegressionError as exc:
        workflow.close_groups()
        workflow.error(str(exc))
        return int(exc.exit_code)
    except KeyboardInterrupt:
        # The runner sends SIGINT when a job is cancelled: say so plainly, no traceback.
        workflow.close_groups()
        workflow.error("interrupted: the gate did not finish; re-run the job (answers so far are cached)")
        return INTERRUPTED
    return code


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


def _with_overrides(config: Config, inputs: ActionInputs) -> Config:
    if inputs.show_responses is None:
        return config
    report = config.report.model_copy(update={"show_responses": inputs.show_responses})
    return config.model_copy(update={"report": report})


def _mask_api_keys(config: Config, environ: Mapping[str, str], workflow: Workflow) -> None:
    endpoints = [config.base, config.finetuned, config.judge.endpoint]
    endpoints += [member.endpoint for member in config.judge.judges or []]
    endpoints += [config.toxicity.endpoint] if config.toxicity else []
    for endpoint in endpoints:
        if endpoint is not None and endpoint.api_key_env:
            workflow.mask(environ.get(endpoint.api_key_env, ""))


async def _gate_and_publish(
    inputs: ActionInputs, config: Config, environ: Mapping[str, str], workflow: Workflow
) -> int:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        # Plain progress lines in the job log: one per model every 30 s and when it is done.
        progress = LogProgress(workflow.stream, 30.0)
        env = Environment(session=session, environ=environ, now=_now, progress=progress)
        workflow.group("Safety regression gate")
        gate_run = await _gate(inputs, config, env)
        # Review decisions stored on the pull request hold until their case's answer changes.
        carried = await carry_in_action(gate_run, config, inputs.github_token, environ, session)
        gate_run = carried.gate_run
        for note in gate_run.notes + carried.notes:
            workflow.notice(note)
        if gate_run.stopped is not None:
            workflow.error(f"the run stopped early: {gate_run.stopped}; run it again to resume")
        write_outputs(
            inputs.out, gate_run.result, gate_run.reference, gate_run.candidate, config.report, _now()
        )
        carried.save_setup(inputs.out)
        workflow.end_group()
        terminal = render_terminal(gate_run.result)
        workflow.notice(terminal.splitlines()[0])
        markdown = carried.comment(render_markdown(gate_run.result, config.report))
        workflow.add_summary(markdown)
        workflow.set_outputs(
            {
                "verdict": gate_run.result.verdict.value,
                "recommendation": gate_run.result.recommendation.value,
                "report-json": str(inputs.out / REPORT_JSON),
                "report-md": str(inputs.out / REPORT_MD),
            }
        )
        await _publish(inputs, environ, session, gate_run, markdown, workflow)
    code = gate_run.result.verdict.exit_code
    return int(ExitCode.PASSED if inputs.fail_on is FailOn.NEVER else code)


async def _gate(inputs: ActionInputs, config: Config, env: Environment) -> GateRun:
    if inputs.command is Command.RUN:
        return await run_gate(config, env)
    assert inputs.baseline is not None and inputs.candidate is not None
    return await compare_snapshots(
        load_snapshot(inputs.baseline),
        load_snapshot(inputs.candidate),
        config,
        env,
        (str(inputs.baseline), str(inputs.candidate)),
    )


async def _publish(
    inputs: ActionInputs,
    environ: Mapping[str, str],
    session: aiohttp.ClientSession,
    gate_run: GateRun,
    markdown: str,
    workflow: Workflow,
) -> None:
    if not (inputs.comment or inputs.check):
        return
    if not inputs.github_token:
        workflow.warning("no github-token: the report is in the job summary only (no comment, no check run)")
        return
    event = read_event(environ)
    client = GitHubClient(
        session,
        environ.get("GITHUB_API_URL", "https://api.github.com"),
        inputs.github_token,
        event.repository,
    )
    # A token without write access (a pull request from a fork, say) must not hide the
    # verdict: the job summary and the exit code still carry it.
    try:
        if inputs.comment and event.pull_number is not None:
            comment = await upsert_comment(client, event.pull_number, markdown)
            workflow.notice(f"report posted to {comment.html_url}")
        if inputs.check and event.sha:
            await publish_check(
                client, event.sha, inputs.check_name, gate_run.result, markdown, _run_url(environ)
            )
    except GitHubError as exc:
        workflow.warning(f"could not publish to the pull request: {exc}")


async def _review(inputs: ActionInputs, environ: Mapping[str, str], workflow: Workflow) -> int:
    """An ``issue_comment`` event: carry out a ``/safety-review`` command, asking no model."""
    if not inputs.github_token:
        raise GitHubError("a review needs the github-token input")
    context = review_context(environ, inputs.github_token, inputs.artifact, inputs.check_name, _now)
    async with aiohttp.ClientSession() as session:
        outcome = await review_comment(read_comment_event(environ), context, session, workflow)
    workflow.set_outputs({"review": outcome})
    return int(ExitCode.PASSED)


def _run_url(environ: Mapping[str, str]) -> str | None:
    server, repository, run = (
        environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    return f"{server}/{repository}/actions/runs/{run}" if server and repository and run else None


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
