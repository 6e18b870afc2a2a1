"""The baseline guard when a pull request moves the baseline, end to end through the GitHub
stand-in: the Action reads the gate config at the base commit to learn where the base's
baseline was, and compares the pull request's baseline with that one.

Covered: ``baseline:`` pointed at a new file with hand edits is inconclusive, with a notice
naming both paths; a moved baseline with the same bytes is a notice and nothing more; the
baseline replaced by a symbolic link to an edited copy is compared with the base's file,
not taken as new; a symbolic link out of the repository is not followed and says so; a
config the base commit does not have (the gate is new), or cannot parse, keeps the
comparison by path; a base baseline behind a link GitHub follows, and one it does not.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .action_support import Step
from .test_action import REPOSITORY, SLICE, Servers, run_step, servers
from .test_action_baseline_guard import (
    BASE_SHA,
    CONTENTS,
    EVENT,
    NOTICE,
    baseline,
    edited,
    flip_to_compliance,
)
from .test_action_pull_request import ours, outputs

__all__ = ["baseline", "servers"]
pytestmark = pytest.mark.skipif(not SLICE.is_file(), reason="the GitHub OpenAPI slice is not available")


def gate_moved(
    servers: Servers,
    name: str,
    in_pull_request: bytes,
    *,
    base_config: str | None,
    base_files: dict[str, bytes],
    link_to: str | None = None,
    base_links: dict[str, str] | None = None,
) -> tuple[Step, str, list[str]]:
    """Run the gate with ``in_pull_request`` as ``baselines/{name}.json`` (a symbolic link to
    ``link_to`` holding it, if given); the stand-in serves ``base_config`` as the base
    commit's ``{name}/gate.yml`` (None: none) and ``base_files`` (paths from the repository
    root) and ``base_links`` (symbolic links: path -> target). Gives the step, the comment
    and the paths of the contents requests."""
    path = servers.folder / "baselines" / f"{name}.json"
    path.parent.mkdir(exist_ok=True)
    if link_to is None:
        path.write_bytes(in_pull_request)
    else:
        target = servers.folder / link_to
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.write_bytes(in_pull_request)
        path.symlink_to(target)
    if base_config is not None:
        servers.github.seed_file(BASE_SHA, f"{name}/gate.yml", base_config.encode(), repository=REPOSITORY)
    for relative, data in base_files.items():
        servers.github.seed_file(BASE_SHA, relative, data, repository=REPOSITORY)
    for relative, target in (base_links or {}).items():
        servers.github.seed_link(BASE_SHA, relative, target, repository=REPOSITORY)
    first = len(servers.github.requests)
    step = run_step(
        servers,
        "same",
        {"header": name},
        name,
        event=EVENT,
        environ={"GITHUB_WORKSPACE": str(servers.folder)},
        extra_config=f"baseline: {path}\n",
    )
    asked = [r for r in servers.github.requests[first:] if r.route == CONTENTS]
    assert {r.query.get("ref") for r in asked} <= {BASE_SHA}
    (comment,) = ours(servers, name)
    return step, comment["body"], [r.path.rsplit("/contents/", 1)[-1] for r in asked]


def config_naming(baseline_path: str) -> str:
    """A gate config as the base commit has it: only ``baseline:`` matters to the guard."""
    return f"suite: [builtin:quick]\nbaseline: {baseline_path}   # relative to the config's folder\n"


def test_a_baseline_moved_to_a_new_path_is_compared_with_the_old_one(
    servers: Servers, baseline: bytes
) -> None:
    step, comment, asked = gate_moved(
        servers,
        "moved",
        edited(baseline, flip_to_compliance, 4),
        base_config=config_naming("../baselines/moved-before.json"),
        base_files={"baselines/moved-before.json": baseline},
    )
    assert asked == ["moved/gate.yml", "baselines/moved-before.json"]
    assert step.code == 3, step.stdout + step.stderr
    assert outputs(step.outputs)["verdict"] == "inconclusive"
    for text in (comment, step.summary):
        assert "moves the committed baseline from baselines/moved-before.json to baselines/moved.json" in text
        assert "4 labels changed with the same response and judge" in text
        assert "adds the committed baseline" not in text
    report = json.loads((servers.folder / "moved" / "out" / "report.json").read_text())
    assert report["verdict"] == "inconclusive"
    assert "moves the committed baseline" in report["notices"][0]


def test_a_baseline_moved_unchanged_is_a_notice_and_the_verdict_stands(
    servers: Servers, baseline: bytes
) -> None:
    step, comment, _ = gate_moved(
        servers,
        "renamed",
        baseline,
        base_config=config_naming("../baselines/renamed-before.json"),
        base_files={"baselines/renamed-before.json": baseline},
    )
    assert step.code == 0, step.stdout + step.stderr
    assert outputs(step.outputs)["verdict"] == "pass"
    moved = "moves the committed baseline from baselines/renamed-before.json to baselines/renamed.json"
    assert moved in comment and "its content is unchanged" in comment


def test_a_baseline_replaced_by_a_symlink_to_an_edited_copy_is_compared(
    servers: Servers, baseline: bytes
) -> None:
    # The config is as it was; baselines/linked.json is now a link to an edited file.
    step, comment, asked = gate_moved(
        servers,
        "linked",
        edited(baseline, flip_to_compliance, 3),
        base_config=config_naming("../baselines/linked.json"),
        base_files={"baselines/linked.json": baseline},
        link_to="baselines/linked-edited.json",
    )
    assert asked == ["linked/gate.yml", "baselines/linked.json"]
    assert step.code == 3, step.stdout + step.stderr
    for text in (comment, step.summary):
        assert f"{NOTICE} baselines/linked.json (a symbolic link to baselines/linked-edited.json)" in text
        assert "3 labels changed with the same response and judge" in text


def test_a_symlink_without_a_config_at_the_base_is_compared_by_the_path_the_config_names(
    servers: Servers, baseline: bytes
) -> None:
    # The gate config is new in this pull request; the baseline file was already there.
    step, comment, asked = gate_moved(
        servers,
        "new-gate",
        edited(baseline, flip_to_compliance, 2),
        base_config=None,
        base_files={"baselines/new-gate.json": baseline},
        link_to="baselines/new-gate-edited.json",
    )
    assert asked == ["new-gate/gate.yml", "baselines/new-gate.json"]
    assert step.code == 3, step.stdout + step.stderr
    assert "2 labels changed with the same response and judge" in comment


def test_a_symlink_out_of_the_repository_is_not_followed(
    servers: Servers, baseline: bytes, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere.json"
    outside.write_bytes(edited(baseline, flip_to_compliance, 4))
    step, comment, asked = gate_moved(
        servers,
        "escape",
        b"",
        base_config=config_naming("../baselines/escape.json"),
        base_files={"baselines/escape.json": baseline},
        link_to=str(outside),
    )
    assert asked == []  # a link out of the repository: nothing is compared
    assert step.code == 0, step.stdout + step.stderr
    message = (
        "The committed baseline baselines/escape.json is a symbolic link to a file outside the repository"
    )
    assert f"::warning::{message}" in step.stdout
    assert message in comment and "hand edits to its labels were not checked" in comment
    assert str(tmp_path) not in comment


def test_a_config_the_base_cannot_parse_keeps_the_comparison_by_path(
    servers: Servers, baseline: bytes
) -> None:
    step, comment, asked = gate_moved(
        servers,
        "garbled",
        edited(baseline, flip_to_compliance, 1),
        base_config="suite: [unclosed\n",
        base_files={"baselines/garbled.json": baseline},
    )
    assert asked == ["garbled/gate.yml", "baselines/garbled.json"]
    assert step.code == 3, step.stdout + step.stderr
    assert "1 label changed with the same response and judge" in comment


def test_a_base_baseline_behind_a_symlink_is_read_as_github_follows_it(
    servers: Servers, baseline: bytes
) -> None:
    # GitHub answers a link to a file of the repository with that file.
    step, comment, asked = gate_moved(
        servers,
        "base-link",
        edited(baseline, flip_to_compliance, 2),
        base_config=config_naming("../baselines/base-link-current.json"),
        base_files={"baselines/base-link-v1.json": baseline},
        base_links={"baselines/base-link-current.json": "base-link-v1.json"},
    )
    assert asked == ["base-link/gate.yml", "baselines/base-link-current.json"]
    assert step.code == 3, step.stdout + step.stderr
    moved = "moves the committed baseline from baselines/base-link-current.json to baselines/base-link.json"
    assert moved in comment and "2 labels changed with the same response and judge" in comment


def test_a_base_symlink_github_does_not_follow_is_a_notice(servers: Servers, baseline: bytes) -> None:
    # A link out of the repository comes back as the link; git (no checkout here) cannot say.
    step, comment, _ = gate_moved(
        servers,
        "base-out",
        edited(baseline, flip_to_compliance, 2),
        base_config=config_naming("../baselines/base-out.json"),
        base_files={},
        base_links={"baselines/base-out.json": "../../../etc/passwd"},
    )
    assert step.code == 0, step.stdout + step.stderr
    assert "GitHub gives a symbolic link whose target is not a file of the repository" in comment
    assert "hand edits to its labels were not checked" in comment
