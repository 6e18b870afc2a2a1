"""Helpers for tests of the Action's entrypoint: the GitHub stand-in on its own loop, the
config and environment a workflow step gets, and the entrypoint run as the runner runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safety_regression.endpoints.simulator import ModelProfile

from .cli_support import BackgroundLoop, ThreadedSimulator, write_config, write_suite
from .github_standin import GitHubStandIn, OpenApiSlice


@dataclass
class Step:
    """What one run of the entrypoint left: exit code, log, step outputs and job summary."""

    code: int
    stdout: str
    stderr: str
    outputs: str
    summary: str


@dataclass
class ActionServers:
    """What a module of Action tests shares: the stand-in, the simulator, the stand-in's
    loop and the module's folder (with the suite in it)."""

    github: GitHubStandIn
    simulator: ThreadedSimulator
    background: BackgroundLoop
    folder: Path


@contextmanager
def github_standin(
    slice_path: Path, token: str, repository: str, token_login: str = "github-actions[bot]"
) -> Iterator[tuple[GitHubStandIn, BackgroundLoop]]:
    """The GitHub stand-in for ``repository``, served from a loop of its own until the end;
    ``token`` acts as ``token_login`` (the workflow's own token by default)."""
    background = BackgroundLoop()
    github = GitHubStandIn(OpenApiSlice.load(slice_path), token, [repository], token_login=token_login)
    background.run(github.start())
    try:
        yield github, background
    finally:
        background.run(github.stop())
        background.close()


@contextmanager
def action_servers(
    folder: Path,
    profiles: Mapping[str, ModelProfile],
    categories: Mapping[str, int],
    slice_path: Path,
    token: str,
    repository: str,
    token_login: str = "github-actions[bot]",
) -> Iterator[tuple[ThreadedSimulator, GitHubStandIn, BackgroundLoop]]:
    """The model simulator on a suite written to ``folder/suite.jsonl``, and the stand-in."""
    simulator = ThreadedSimulator(profiles, write_suite(folder / "suite.jsonl", categories))
    try:
        with github_standin(slice_path, token, repository, token_login) as (github, background):
            yield simulator, github, background
    finally:
        simulator.stop()


def step_config(folder: Path, suite: Path, url: str, finetuned: str, extra: str = "") -> Path:
    """``folder/gate.yml`` for a step: the shared suite, no committed baseline."""
    config = write_config(folder / "gate.yml", url, finetuned, extra=extra)
    config.write_text(
        config.read_text()
        .replace("suite: [suite.jsonl]", f"suite: [{suite}]")
        .replace("baseline: baseline.json\n", "")
    )
    return config


def runner_environment(
    folder: Path,
    *,
    api_url: str,
    repository: str,
    token: str,
    event_name: str,
    payload: Mapping[str, Any],
    run_id: str,
) -> dict[str, str]:
    """The variables the runner sets for a step of an ``event_name`` workflow; the event
    payload is written to ``folder/event.json``, outputs and summary go to ``folder``."""
    event = folder / "event.json"
    event.write_text(json.dumps(payload))
    return {
        **os.environ,
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": repository,
        "GITHUB_SHA": "b" * 40,
        "GITHUB_API_URL": api_url,
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_RUN_ID": run_id,
        "GITHUB_OUTPUT": str(folder / "outputs"),
        "GITHUB_STEP_SUMMARY": str(folder / "summary.md"),
        "INPUT_GITHUB-TOKEN": token,
    }


def run_entrypoint(folder: Path, environ: Mapping[str, str], timeout: float = 120) -> Step:
    """``python -m safety_regression.github`` in ``folder``, with exactly ``environ``."""
    done = subprocess.run(
        [sys.executable, "-m", "safety_regression.github"],
        cwd=folder,
        env=dict(environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )

    def read(path: Path) -> str:
        return path.read_text() if path.is_file() else ""

    outputs = Path(environ.get("GITHUB_OUTPUT", folder / "outputs"))
    summary = Path(environ.get("GITHUB_STEP_SUMMARY", folder / "summary.md"))
    return Step(done.returncode, done.stdout, done.stderr, read(outputs), read(summary))
