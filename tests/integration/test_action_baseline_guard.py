"""The Action on a pull request that changes the committed baseline, end to end: the
entrypoint as the runner runs it, the model simulator, and the GitHub stand-in serving
the baseline as it is at the pull request's base commit (contents API, checked against
the OpenAPI slice).

Covered: an unchanged baseline says nothing; a baseline new in the pull request, and one
re-run legitimately, are noticed and leave the verdict alone; labels edited by hand, which
the built-in judge contradicts, make the gate inconclusive unless allow-baseline-edits is
set; a token without contents: read is a note and the run goes on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from safety_regression.outputs import REFERENCE_SNAPSHOT
from safety_regression.snapshot.model import response_digest

from .action_support import Step
from .test_action import HEAD_SHA, PULL, REPOSITORY, SLICE, Servers, run_step, servers
from .test_action_pull_request import ours, outputs

__all__ = ["servers"]
pytestmark = pytest.mark.skipif(not SLICE.is_file(), reason="the GitHub OpenAPI slice is not available")

BASE_SHA = "c" * 40
CONTENTS = "/repos/{owner}/{repo}/contents/{path}"
EVENT = {"pull_request": {"number": PULL, "head": {"sha": HEAD_SHA}, "base": {"sha": BASE_SHA}}}
NOTICE = "This pull request changes the committed baseline"


@pytest.fixture(scope="module")
def baseline(servers: Servers) -> bytes:
    """A baseline the built-in judge labelled: the reference a run without one writes."""
    step = run_step(servers, "same", {"comment": "false", "check": "false"}, "take-baseline", event=EVENT)
    assert step.code == 0, step.stdout + step.stderr
    return (servers.folder / "take-baseline" / "out" / REFERENCE_SNAPSHOT).read_bytes()


def edited(data: bytes, change: Callable[[dict[str, Any]], bool], count: int) -> bytes:
    """The snapshot with ``change`` applied to its first ``count`` results it applies to."""
    snapshot = json.loads(data)
    done = 0
    for result in snapshot["results"]:
        if done < count and change(result):
            done += 1
    assert done == count
    return (json.dumps(snapshot, indent=1) + "\n").encode()


def flip_to_compliance(result: dict[str, Any]) -> bool:
    if result["label"] != "refusal":
        return False
    result["label"] = "compliance"
    return True


def rerun(result: dict[str, Any]) -> bool:
    if result["response"] is None:
        return False
    result["response"] = "An earlier answer: " + result["response"]
    result["response_sha256"], result["response_chars"] = response_digest(result["response"])
    return True


def gate_with_baseline(
    servers: Servers,
    name: str,
    in_pull_request: bytes,
    at_base: bytes | None,
    inputs: dict[str, str] | None = None,
) -> tuple[Step, str]:
    """Run the gate with ``in_pull_request`` as the workspace's baseline, the stand-in
    serving ``at_base`` as the base commit's (None: the base commit has none)."""
    relative = f"baselines/{name}.json"
    path = servers.folder / relative
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(in_pull_request)
    if at_base is not None:
        servers.github.seed_file(BASE_SHA, relative, at_base, repository=REPOSITORY)
    first = len(servers.github.requests)
    step = run_step(
        servers,
        "same",
        {"header": name, **(inputs or {})},
        name,
        event=EVENT,
        environ={"GITHUB_WORKSPACE": str(servers.folder)},
        extra_config=f"baseline: {path}\n",
    )
    asked = [r for r in servers.github.requests[first:] if r.route == CONTENTS]
    # The base commit's gate config first (where was its baseline?), then that baseline.
    expected = [(f"{name}/gate.yml", BASE_SHA), (relative, BASE_SHA)]
    assert [(r.path.rsplit("/contents/", 1)[-1], r.query.get("ref")) for r in asked] == expected
    (comment,) = ours(servers, name)
    return step, comment["body"]


def test_an_unchanged_baseline_says_nothing(servers: Servers, baseline: bytes) -> None:
    step, comment = gate_with_baseline(servers, "unchanged", baseline, baseline)
    assert step.code == 0, step.stdout + step.stderr
    assert "Base results: 70 from the baseline snapshot, 0 evaluated live" in step.summary
    for text in (comment, step.summary, step.stdout):
        assert NOTICE not in text and "Could not read the baseline" not in text


def test_a_baseline_new_in_the_pull_request_is_noticed(servers: Servers, baseline: bytes) -> None:
    step, comment = gate_with_baseline(servers, "new", baseline, None)
    assert step.code == 0, step.stdout + step.stderr
    for text in (comment, step.summary):
        assert "This pull request adds the committed baseline baselines/new.json" in text
        assert "none of its labels was compared with an earlier version" in text
    assert outputs(step.outputs)["verdict"] == "pass"


def test_a_re_run_baseline_is_noticed_and_the_verdict_stands(servers: Servers, baseline: bytes) -> None:
    older = edited(baseline, rerun, 5)
    step, comment = gate_with_baseline(servers, "rerun", baseline, older)
    assert step.code == 0, step.stdout + step.stderr
    for text in (comment, step.summary):
        assert f"{NOTICE} baselines/rerun.json: 5 cases re-run" in text
        assert "labels changed" not in text
        assert (
            "the built-in judge, reading the stored responses again, confirms all 5 labels it checked" in text
        )
    assert "An earlier answer" not in comment + step.summary  # model text never goes in it
    # Near the top: right under the comment's verdict line.
    assert comment.index(NOTICE) < comment.index("Composite")
    assert outputs(step.outputs)["verdict"] == "pass"


def test_hand_edited_labels_make_the_gate_inconclusive(servers: Servers, baseline: bytes) -> None:
    step, comment = gate_with_baseline(servers, "edited", edited(baseline, flip_to_compliance, 4), baseline)
    assert step.code == 3, step.stdout + step.stderr
    assert outputs(step.outputs)["verdict"] == "inconclusive"
    for text in (comment, step.summary):
        assert "4 labels changed with the same response and judge" in text
        assert "does not confirm 4 of the 4 labels it checked" in text
        assert (
            "Inconclusive: the built-in judge does not confirm 4 labels of the baseline baselines/edited.json"
            in text
        )
    report = json.loads((servers.folder / "edited" / "out" / "report.json").read_text())
    assert report["verdict"] == "inconclusive"


def test_allow_baseline_edits_keeps_the_notice_and_the_verdict(servers: Servers, baseline: bytes) -> None:
    step, comment = gate_with_baseline(
        servers,
        "allowed",
        edited(baseline, flip_to_compliance, 4),
        baseline,
        {"allow-baseline-edits": "true"},
    )
    assert step.code == 0, step.stdout + step.stderr
    assert outputs(step.outputs)["verdict"] == "pass"
    assert "4 labels changed with the same response and judge" in comment
    assert (
        "allow-baseline-edits is set: the verdict stands on the labels the judge does not confirm" in comment
    )


def test_a_token_without_contents_read_is_a_note_and_the_run_goes_on(
    servers: Servers, baseline: bytes
) -> None:
    # Both reads are refused: the base commit's config, then its baseline.
    servers.github.fail_next("GET", CONTENTS, 403, times=2, message="Resource not accessible by integration")
    hand_edited = edited(baseline, flip_to_compliance, 4)
    step, comment = gate_with_baseline(servers, "forbidden", hand_edited, baseline)
    assert step.code == 0, step.stdout + step.stderr
    unread = "Could not read the baseline baselines/forbidden.json at the pull request's base commit"
    assert f"::warning::{unread} {BASE_SHA[:12]}: needs contents: read" in step.stdout
    assert "contents: read" in step.stdout
    assert "Could not read the baseline" in comment and "hand edits to its labels were not checked" in comment
    assert NOTICE not in comment
    assert outputs(step.outputs)["verdict"] == "pass"


def test_a_base_version_over_1_mb_is_a_note_and_the_run_goes_on(servers: Servers, baseline: bytes) -> None:
    # GitHub's contents API leaves content empty for a file over 1 MB (encoding "none").
    padded = baseline + b" " * (1024 * 1024)
    step, comment = gate_with_baseline(servers, "large", baseline, padded)
    assert step.code == 0, step.stdout + step.stderr
    assert "Could not read the baseline baselines/large.json at the pull request's base commit" in step.stdout
    assert "GitHub returns no content for it" in comment
    # git is tried next (test_action_baseline_git.py); this workspace is no checkout.
    assert "and the workspace is not a git checkout" in comment
    assert outputs(step.outputs)["verdict"] == "pass"


def test_allow_baseline_edits_takes_true_or_false(servers: Servers) -> None:
    asked = servers.simulator.requests("same")
    step = run_step(servers, "same", {"allow-baseline-edits": "sometimes"}, "allow-typo", event=EVENT)
    assert step.code == 2, step.stdout + step.stderr
    error = "::error::action input allow-baseline-edits: expected true or false, got 'sometimes'"
    assert error in step.stdout
    assert "Traceback" not in step.stderr
    assert servers.simulator.requests("same") == asked
