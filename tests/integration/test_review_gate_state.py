"""A review keeps what the gate run knew beyond its snapshots, through the real entrypoint.

The gate runs on a pull request whose committed baseline has labels edited by hand (the
stand-in serves the base commit's version, as in test_action_baseline_guard); the review
job then re-gates the stored artifact. The baseline guard's verdict and notice must
survive any command, even ``status``; a decision may change the statistics, never lift
an inconclusive the guard caused, even when the guard left a failure standing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from safety_regression.outputs import REFERENCE_SNAPSHOT

from .action_support import Step, action_servers, run_entrypoint, step_config
from .github_standin.artifacts import zip_folder
from .test_review import (
    ARTIFACT,
    PROFILES,
    PULL,
    REPOSITORY,
    SLICE,
    TOKEN,
    Servers,
    environment,
    lost_refusals,
    reactions,
    report_comment,
    review,
)

BASE_SHA = "0" * 40
NOTICE = "This pull request changes the committed baseline baselines/"
HELD = "Inconclusive: the built-in judge does not confirm "


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    folder = tmp_path_factory.mktemp("review-held")
    with action_servers(folder, PROFILES, {"privacy": 30}, SLICE, TOKEN, REPOSITORY) as running:
        simulator, github, background = running
        github.set_permission("maintainer", "write")
        yield Servers(github, simulator, background, folder)
        assert github.violations == []


def gate(servers: Servers, name: str, head_sha: str, finetuned: str, baseline: bytes | None = None) -> Step:
    """The pull_request gate job; with ``baseline``, the pull request's committed baseline is
    that, while the base commit's is the one a run without a baseline takes (``taken``)."""
    folder = servers.folder / name
    folder.mkdir()
    extra = "cache: {enabled: false}\ngate: {alpha: 0.05, unproven: pass}\n"
    workspace: dict[str, str] = {}
    if baseline is not None:
        path = servers.folder / "baselines" / f"{name}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(baseline)
        servers.github.seed_file(BASE_SHA, f"baselines/{name}.json", taken(servers), repository=REPOSITORY)
        extra += f"baseline: {path}\n"
        workspace["GITHUB_WORKSPACE"] = str(servers.folder)
    config = step_config(folder, servers.folder / "suite.jsonl", servers.simulator.url, finetuned, extra)
    servers.github.seed_pull(PULL, head_sha, repository=REPOSITORY)
    payload = {"pull_request": {"number": PULL, "head": {"sha": head_sha}, "base": {"sha": BASE_SHA}}}
    environ = environment(servers, folder, "pull_request", payload) | workspace
    environ |= {"INPUT_CONFIG": str(config), "INPUT_OUT": str(folder / "out")}
    step = run_entrypoint(folder, environ)
    if baseline is not None:
        servers.github.seed_artifact(ARTIFACT, head_sha, zip_folder(folder / "out"), run_id=len(name))
    return step


def taken(servers: Servers) -> bytes:
    return (servers.folder / "take" / "out" / REFERENCE_SNAPSHOT).read_bytes()


@pytest.fixture(scope="module")
def baseline(servers: Servers) -> bytes:
    """The reference a run without a baseline takes: the built-in judge labelled it."""
    step = gate(servers, "take", "a" * 40, "base")
    assert step.code == 0, step.stdout + step.stderr
    return taken(servers)


def edited(data: bytes, expect: str, before: str, after: str, count: int) -> bytes:
    """The snapshot with ``count`` labels of ``expect`` cases changed by hand."""
    snapshot = json.loads(data)
    changed = [r for r in snapshot["results"] if r["expect"] == expect and r["label"] == before][:count]
    assert len(changed) == count
    for result in changed:
        result["label"] = after
    return (json.dumps(snapshot, indent=1) + "\n").encode()


def test_a_status_review_keeps_the_guards_inconclusive_and_its_notice(
    servers: Servers, baseline: bytes
) -> None:
    # Four base refusals edited into compliances: the fine-tune (the base model) "gains" them.
    step = gate(servers, "edited", "e" * 40, "base", edited(baseline, "refuse", "refusal", "compliance", 4))
    assert step.code == 3, step.stdout + step.stderr
    assert servers.github.check_runs()[-1]["conclusion"] == "failure"
    checks = len(servers.github.check_runs())
    status, comment = review(servers, "edited-status", "/safety-review status", "maintainer")
    assert status.code == 0, status.stdout + status.stderr
    assert reactions(servers, comment) == ["eyes", "rocket"]
    assert "\ninconclusive\n" in status.outputs
    runs = servers.github.check_runs()
    assert len(runs) == checks + 1
    assert (runs[-1]["conclusion"], runs[-1]["output"]["title"]) == (
        "failure",
        "Safety not measured: baseline labels edited by hand",
    )
    body = report_comment(servers)["body"]
    assert "### ⚠️ Safety gate: INCONCLUSIVE" in body
    assert NOTICE + "edited.json: 4 labels changed" in body and HELD in body
    setup = json.loads((servers.folder / "edited" / "out" / "review-setup.json").read_text())
    assert [hold["fail_stands"] for hold in setup["holds"]] == [True]


def test_decisions_that_flip_a_failure_cannot_pass_a_hand_edited_baseline(
    servers: Servers, baseline: bytes
) -> None:
    # Two benign labels edited: the guard leaves the failure on privacy standing, and holds.
    step = gate(
        servers, "failing", "f" * 40, "slipped", edited(baseline, "comply", "compliance", "refusal", 2)
    )
    assert step.code == 1, step.stdout + step.stderr
    assert NOTICE + "failing.json: 2 labels changed" in report_comment(servers)["body"]
    lost, _ = lost_refusals(servers.folder / "failing" / "out")
    assert lost
    for number, case in enumerate(lost):
        done, comment = review(
            servers, f"accept-{number}", f'/safety-review accept {case} "intended"', "maintainer"
        )
        assert done.code == 0 and reactions(servers, comment) == ["eyes", "rocket"], done.stdout
    assert "\ninconclusive\n" in done.outputs, done.stdout
    assert servers.github.check_runs()[-1]["conclusion"] == "failure"
    body = report_comment(servers)["body"]
    assert "### ⚠️ Safety gate: INCONCLUSIVE" in body and HELD in body
    assert NOTICE + "failing.json" in body


def test_a_version_1_setup_is_refused_and_lifts_nothing(servers: Servers, baseline: bytes) -> None:
    # A gate run of an older Action: its review-setup.json (version 1) records no holds.
    head = "7" * 40
    step = gate(servers, "old-setup", head, "base", edited(baseline, "refuse", "refusal", "compliance", 4))
    assert step.code == 3, step.stdout + step.stderr
    out = servers.folder / "old-setup" / "out"
    setup = json.loads((out / "review-setup.json").read_text())
    for field in ("notices", "drift", "usage", "holds"):
        setup.pop(field)
    (out / "review-setup.json").write_text(json.dumps(setup | {"version": 1}))
    servers.github.seed_artifact(ARTIFACT, head, zip_folder(out), run_id=71)
    before, checks = report_comment(servers)["body"], len(servers.github.check_runs())
    status, comment = review(servers, "old-setup-status", "/safety-review status", "maintainer")
    assert status.code == 0, status.stdout + status.stderr
    assert reactions(servers, comment) == ["eyes", "confused"]
    reply = servers.github.comments(PULL)[-1]["body"]
    assert "review-setup.json version 1" in reply and "re-run the gate" in reply, reply
    assert "\npass\n" not in status.outputs
    assert len(servers.github.check_runs()) == checks, "no check run, green or otherwise"
    assert report_comment(servers)["body"] == before


def test_stored_results_without_their_review_setup_get_a_reply_and_change_nothing(servers: Servers) -> None:
    """The gate step removes ``review-setup.json`` from its ``out`` before it asks anything
    and writes it after its reports, so the artifact a cancelled step uploads (the earlier
    run's snapshots, withdrawn) lacks it. Found in review: such an artifact was re-gated."""
    head = "9" * 40
    step = gate(servers, "no-setup", head, "base")
    assert step.code == 0, step.stdout + step.stderr
    out = servers.folder / "no-setup" / "out"
    (out / "review-setup.json").unlink()
    servers.github.seed_artifact(ARTIFACT, head, zip_folder(out), run_id=91)
    checks = len(servers.github.check_runs())
    status, comment = review(servers, "no-setup-status", "/safety-review status", "maintainer")
    assert status.code == 0, status.stdout + status.stderr
    assert reactions(servers, comment) == ["eyes", "confused"]
    reply = servers.github.comments(PULL)[-1]["body"]
    assert "(artifact `safety-report`) hold no review-setup.json" in reply, reply
    assert "did not finish" in reply and reply.endswith("re-run the gate")
    assert len(servers.github.check_runs()) == checks, "no check run, green or otherwise"
