"""The ready-to-copy workflows in examples/workflows/: least permissions, real inputs.

Their schema is checked by ``check-jsonschema`` in ``.ci/run``; these tests hold what a
schema cannot: each workflow asks for exactly the permissions docs/action.md says it
needs, and passes the Action only inputs that action.yml declares.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "examples" / "workflows"
ACTION = "org/safety-regression-action@v1"

LEAST_PERMISSIONS = {
    "safety-gate.yml": {"contents": "read", "pull-requests": "write", "checks": "write"},
    "safety-review.yml": {"actions": "read", "pull-requests": "write", "checks": "write"},
}


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize(("name", "permissions"), LEAST_PERMISSIONS.items())
def test_each_workflow_asks_for_the_least_permissions(name: str, permissions: dict[str, str]) -> None:
    workflow = load(name)
    assert workflow["permissions"] == permissions
    for job in workflow["jobs"].values():
        assert "permissions" not in job, "no job widens the workflow's permissions"


def test_the_review_workflow_runs_on_new_pull_request_comments_without_a_checkout() -> None:
    workflow = load("safety-review.yml")
    # PyYAML reads the bare key `on` as True.
    assert workflow[True] == {"issue_comment": {"types": ["created"]}}
    (job,) = workflow["jobs"].values()
    assert "github.event.issue.pull_request" in job["if"]
    assert all("checkout" not in step.get("uses", "") for step in job["steps"])
    gate = load("safety-gate.yml")
    assert workflow["concurrency"]["group"].split("$")[0] == gate["concurrency"]["group"].split("$")[0]


def test_the_gate_uploads_the_artifact_the_review_reads() -> None:
    steps = next(iter(load("safety-gate.yml")["jobs"].values()))["steps"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    gate = next(s for s in steps if s.get("uses") == ACTION)
    review = next(
        s for s in next(iter(load("safety-review.yml")["jobs"].values()))["steps"] if s.get("uses") == ACTION
    )
    assert upload["with"]["name"] == review["with"]["artifact"]
    assert upload["with"]["path"].rstrip("/") == gate["with"]["out"]


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("*.yml")))
def test_the_action_is_given_only_inputs_it_declares(name: str) -> None:
    declared = set(yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["inputs"])
    for job in load(name)["jobs"].values():
        for step in job["steps"]:
            if step.get("uses") == ACTION:
                assert set(step.get("with", {})) <= declared


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("*.yml")))
def test_every_upload_of_the_outputs_keeps_their_hidden_manifest(name: str) -> None:
    """Found in review: upload-artifact (v4.4+) leaves hidden files out unless asked, so a
    shard uploaded by the sharded example lost its manifest and ``merge`` refused it."""
    for job in load(name)["jobs"].values():
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/upload-artifact"):
                assert step["with"].get("include-hidden-files") is True, (name, step["with"]["name"])
