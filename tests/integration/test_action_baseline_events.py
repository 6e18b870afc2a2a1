"""The baseline guard beyond ``command: run`` on ``pull_request``, end to end through the
GitHub stand-in: ``command: compare`` (the snapshot it compares against is the committed
baseline), and the ``workflow_run`` second stage, whose base commit comes from the payload's
pull request, or from ``GET /pulls/{number}`` for the pull request the inputs name (a
fork's pull request is not in the payload), or cannot be known, which it says.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from safety_regression.outputs import FINETUNED_SNAPSHOT

from .action_support import Step
from .test_action import HEAD_SHA, PULL, REPOSITORY, SLICE, Servers, run_step, servers
from .test_action_baseline_guard import BASE_SHA, EVENT, NOTICE, baseline, edited, flip_to_compliance
from .test_action_pull_request import ours, outputs

__all__ = ["baseline", "servers"]
pytestmark = pytest.mark.skipif(not SLICE.is_file(), reason="the GitHub OpenAPI slice is not available")

PULL_BASE = "0" * 40
"""The base commit the stand-in's pull request names (``GET /pulls/{number}``)."""
UNKNOWN = "was not compared with the pull request's base commit"


def candidate(servers: Servers) -> Path:
    """The fine-tuned snapshot the ``baseline`` fixture's run wrote."""
    return servers.folder / "take-baseline" / "out" / FINETUNED_SNAPSHOT


def compare_step(
    servers: Servers,
    name: str,
    in_workspace: bytes,
    *,
    event: Mapping[str, object],
    event_name: str = "pull_request",
    base: tuple[str, bytes] | None = None,
    inputs: Mapping[str, str] | None = None,
    config_names_it: bool = True,
) -> Step:
    """``command: compare`` of ``baselines/{name}.json`` (``in_workspace``) with the candidate,
    the config naming that file as its baseline unless not ``config_names_it``; the stand-in
    serves ``base`` (a commit and the file's bytes there) if given."""
    path = servers.folder / "baselines" / f"{name}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(in_workspace)
    if base is not None:
        servers.github.seed_file(base[0], f"baselines/{name}.json", base[1], repository=REPOSITORY)
    compare = {"command": "compare", "baseline": str(path), "candidate": str(candidate(servers))}
    return run_step(
        servers,
        "same",
        {"header": name, **compare, **(inputs or {})},
        name,
        event=event,
        environ={"GITHUB_WORKSPACE": str(servers.folder), "GITHUB_EVENT_NAME": event_name},
        extra_config=f"baseline: {path}\n" if config_names_it else "",
    )


def test_compare_on_a_pull_request_checks_the_baseline_it_compares_against(
    servers: Servers, baseline: bytes
) -> None:
    step = compare_step(
        servers, "compare", edited(baseline, flip_to_compliance, 4), event=EVENT, base=(BASE_SHA, baseline)
    )
    assert step.code == 3, step.stdout + step.stderr
    assert outputs(step.outputs)["verdict"] == "inconclusive"
    (comment,) = ours(servers, "compare")
    for text in (comment["body"], step.summary):
        assert f"{NOTICE} baselines/compare.json" in text
        assert "4 labels changed with the same response and judge" in text


def test_compare_of_a_snapshot_the_base_commit_lacks_says_nothing(servers: Servers, baseline: bytes) -> None:
    # Not the config's baseline, and not committed: a snapshot an earlier step wrote.
    step = compare_step(servers, "made-here", baseline, event=EVENT, config_names_it=False)
    assert step.code == 0, step.stdout + step.stderr
    assert NOTICE not in step.summary and "adds the committed baseline" not in step.summary


def workflow_run(pull_requests: list[dict[str, object]]) -> dict[str, object]:
    return {
        "workflow_run": {
            "id": 5,
            "head_sha": HEAD_SHA,
            "event": "pull_request",
            "pull_requests": pull_requests,
        }
    }


def listed(base_sha: str) -> dict[str, object]:
    """A pull request as a workflow_run payload lists it: its repos carry no full_name."""
    repo = {"id": 1, "url": "https://api.github.example/repos/octo-org/octo-repo", "name": "octo-repo"}
    return {
        "id": 1,
        "number": PULL,
        "url": "https://api.github.example/repos/octo-org/octo-repo/pulls/7",
        "head": {"ref": "fine-tune", "sha": HEAD_SHA, "repo": repo},
        "base": {"ref": "main", "sha": base_sha, "repo": repo},
    }


def test_a_workflow_run_stage_checks_against_the_base_its_payload_lists(
    servers: Servers, baseline: bytes
) -> None:
    base_sha = "e" * 40
    step = compare_step(
        servers,
        "run-listed",
        edited(baseline, flip_to_compliance, 3),
        event=workflow_run([listed(base_sha)]),
        event_name="workflow_run",
        base=(base_sha, baseline),
    )
    assert step.code == 3, step.stdout + step.stderr
    assert "3 labels changed with the same response and judge" in step.summary
    # Stage 2 gates its own checkout (the default branch, as a rule), not the pull request's.
    assert "The checked-out commit changes the committed baseline baselines/run-listed.json" in step.summary
    assert "This pull request changes" not in step.summary


@pytest.mark.parametrize("publishing", [True, False], ids=["adopted", "not-publishing"])
def test_a_fork_stage_two_checks_against_the_named_pull_requests_base(
    servers: Servers, baseline: bytes, publishing: bool
) -> None:
    # A fork's pull request is not in the payload: its base comes from GET /pulls/{number}.
    name = f"fork-stage-2-{publishing}"
    inputs = {"pull-request": str(PULL), "sha": HEAD_SHA}
    if not publishing:
        inputs |= {"comment": "false", "check": "false"}
    step = compare_step(
        servers,
        name,
        edited(baseline, flip_to_compliance, 2),
        event=workflow_run([]),
        event_name="workflow_run",
        base=(PULL_BASE, baseline),
        inputs=inputs,
    )
    assert step.code == 3, step.stdout + step.stderr
    assert "2 labels changed with the same response and judge" in step.summary
    pulls = [r for r in servers.github.requests if r.route == "/repos/{owner}/{repo}/pulls/{pull_number}"]
    assert pulls, "the base commit comes from the pull request"


def test_a_workflow_run_with_no_known_base_says_so(servers: Servers, baseline: bytes) -> None:
    step = compare_step(
        servers,
        "run-unknown",
        edited(baseline, flip_to_compliance, 2),
        event=workflow_run([]),
        event_name="workflow_run",
    )
    assert step.code == 0, step.stdout + step.stderr
    message = f"The committed baseline baselines/run-unknown.json {UNKNOWN}"
    assert f"::warning::{message}" in step.stdout
    assert message in step.summary and "set the pull-request and sha inputs" in step.summary
    assert "hand edits to its labels were not checked" in step.summary
