"""The baseline guard reading the base version with git, end to end: a real repository in
tmp_path is the "origin", the workspace is a clone of the pull request's head at depth 1
(as actions/checkout makes it), and the GitHub stand-in's contents route answers as GitHub
does for a file over 1 MB (no content).

Covered: a padded base version read through git (the base commit fetched), hand-edited
labels making the gate inconclusive; the same with no token (no API request at all); the
base commit already in the clone (nothing fetched: the remote is unreachable); a fetch that
fails, and git missing, are a notice in the comment, and the remote's credentials are not
repeated anywhere. A baseline moved by the pull request (the config at the base read with
git too), one behind a symbolic link at the base, and a base link out of the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from .action_support import Step, step_config
from .test_action import HEAD_SHA, PULL, REPOSITORY, SLICE, TOKEN, Servers, run_step, servers
from .test_action_baseline_guard import CONTENTS, NOTICE, baseline, edited, flip_to_compliance
from .test_action_pull_request import ours, outputs

__all__ = ["baseline", "servers"]
pytestmark = [
    pytest.mark.skipif(not SLICE.is_file(), reason="the GitHub OpenAPI slice is not available"),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]

RELATIVE = "baselines/standard.json"
UNREAD = "Could not read the baseline baselines/standard.json at the pull request's base commit"
INCONCLUSIVE = (
    "Inconclusive: the built-in judge does not confirm {} labels of the baseline baselines/standard.json"
)
SECRET = "ghs_0123456789abcdefGHIJKLmnopqrstuvwx"


def git(where: Path, *arguments: str) -> str:
    environ = {
        "PATH": os.environ["PATH"],
        "HOME": str(where),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    done = subprocess.run(
        ["git", *arguments], cwd=where, env=environ, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@dataclass(frozen=True)
class Checkout:
    workspace: Path
    base_sha: str


def checkout(folder: Path, at_base: bytes, in_pull_request: bytes, *, full: bool = False) -> Checkout:
    """An origin whose main has ``at_base`` and whose pull request branch has
    ``in_pull_request``, and the workspace: a clone of the branch, at depth 1 unless ``full``."""
    origin, workspace = folder / "origin", folder / "workspace"
    (origin / "baselines").mkdir(parents=True)
    git(origin, "init", "-q", "-b", "main")
    git(origin, "config", "uploadpack.allowReachableSHA1InWant", "true")
    (origin / RELATIVE).write_bytes(at_base)
    git(origin, "add", RELATIVE)
    git(origin, "commit", "-q", "-m", "baseline")
    base_sha = git(origin, "rev-parse", "HEAD")
    git(origin, "checkout", "-q", "-b", "pull")
    (origin / RELATIVE).write_bytes(in_pull_request)
    git(origin, "commit", "-q", "-am", "edited baseline")
    depth = [] if full else ["--depth=1"]
    git(folder, "clone", "-q", *depth, "--branch", "pull", origin.as_uri(), str(workspace))
    return Checkout(workspace, base_sha)


def gate_in(
    servers: Servers,
    name: str,
    repo: Checkout,
    *,
    token: str = TOKEN,
    environ: dict[str, str | None] | None = None,
) -> tuple[Step, str]:
    event = {"pull_request": {"number": PULL, "head": {"sha": HEAD_SHA}, "base": {"sha": repo.base_sha}}}
    first = len(servers.github.requests)
    step = run_step(
        servers,
        "same",
        {"header": name},
        name,
        token=token,
        event=event,
        environ={"GITHUB_WORKSPACE": str(repo.workspace), **(environ or {})},
        extra_config=f"baseline: {repo.workspace / RELATIVE}\n",
    )
    asked = [r for r in servers.github.requests[first:] if r.route == CONTENTS]
    assert [r.query.get("ref") for r in asked] == ([repo.base_sha] if token else [])
    if not token:
        return step, ""  # nothing is posted without a token: the summary has the report
    (comment,) = ours(servers, name)
    return step, comment["body"]


def padded(data: bytes) -> bytes:
    """The baseline past GitHub's 1 MB inline limit (JSON allows the trailing spaces)."""
    return data + b" " * (1024 * 1024)


def test_over_1_mb_the_base_is_fetched_with_git_and_hand_edits_are_caught(
    servers: Servers, baseline: bytes, tmp_path: Path
) -> None:
    repo = checkout(tmp_path, padded(baseline), edited(baseline, flip_to_compliance, 4))
    assert subprocess.run(
        ["git", "-C", str(repo.workspace), "cat-file", "-e", f"{repo.base_sha}^{{commit}}"],
        stderr=subprocess.DEVNULL,
        check=False,
    ).returncode, "the clone must not have the base commit yet"
    servers.github.seed_file(repo.base_sha, RELATIVE, padded(baseline), repository=REPOSITORY)
    step, comment = gate_in(servers, "git-large", repo)
    assert step.code == 3, step.stdout + step.stderr
    assert outputs(step.outputs)["verdict"] == "inconclusive"
    for text in (comment, step.summary):
        assert "4 labels changed with the same response and judge" in text
        assert INCONCLUSIVE.format(4) in text
        assert UNREAD not in text


def test_without_a_token_git_reads_the_base(servers: Servers, baseline: bytes, tmp_path: Path) -> None:
    repo = checkout(tmp_path, baseline, edited(baseline, flip_to_compliance, 3))
    step, _ = gate_in(servers, "git-no-token", repo, token="")
    assert step.code == 3, step.stdout + step.stderr
    assert INCONCLUSIVE.format(3) in step.summary


def test_a_base_commit_already_in_the_clone_is_not_fetched(
    servers: Servers, baseline: bytes, tmp_path: Path
) -> None:
    repo = checkout(tmp_path, padded(baseline), edited(baseline, flip_to_compliance, 2), full=True)
    # A fetch would fail: the remote is gone.
    shutil.rmtree(tmp_path / "origin")
    servers.github.seed_file(repo.base_sha, RELATIVE, padded(baseline), repository=REPOSITORY)
    step, comment = gate_in(servers, "git-present", repo)
    assert step.code == 3, step.stdout + step.stderr
    assert INCONCLUSIVE.format(2) in comment


def test_a_failing_fetch_is_a_notice_in_the_comment_and_no_credentials_show(
    servers: Servers, baseline: bytes, tmp_path: Path
) -> None:
    repo = checkout(tmp_path, padded(baseline), edited(baseline, flip_to_compliance, 4))
    # Credentials in the remote's URL, a port nothing listens on.
    git(repo.workspace, "remote", "set-url", "origin", f"http://x-access-token:{SECRET}@127.0.0.1:9/o/r.git")
    servers.github.seed_file(repo.base_sha, RELATIVE, padded(baseline), repository=REPOSITORY)
    step, comment = gate_in(servers, "git-fetch-fails", repo)
    assert step.code == 0, step.stdout + step.stderr
    assert outputs(step.outputs)["verdict"] == "pass"
    assert f"::warning::{UNREAD} {repo.base_sha[:12]}: GitHub returns no content for it" in step.stdout
    assert "git fetch of the base commit failed" in step.stdout
    # First in the comment, above the verdict's details, not among the warnings at the end.
    assert UNREAD in comment and comment.index(UNREAD) < comment.index("Composite")
    assert "hand edits to its labels were not checked" in comment
    assert NOTICE not in comment
    for text in (comment, step.summary, step.stdout, step.stderr):
        assert SECRET not in text and "x-access-token" not in text and "127.0.0.1:9" not in text


def test_no_git_is_a_notice_in_the_comment(servers: Servers, baseline: bytes, tmp_path: Path) -> None:
    repo = checkout(tmp_path, padded(baseline), edited(baseline, flip_to_compliance, 4))
    servers.github.seed_file(repo.base_sha, RELATIVE, padded(baseline), repository=REPOSITORY)
    no_programs = tmp_path / "bin"
    no_programs.mkdir()
    step, comment = gate_in(servers, "git-missing", repo, environ={"PATH": str(no_programs)})
    assert step.code == 0, step.stdout + step.stderr
    assert outputs(step.outputs)["verdict"] == "pass"
    assert UNREAD in comment and "git is not available" in comment
    assert comment.index(UNREAD) < comment.index("Composite")


# --------------------------------------------- a baseline moved, through the config at the base


Tree = dict[str, "bytes | Path | None"]
"""Files by path from the repository root: bytes, a symbolic link (a Path: its target), or
None (deleted)."""


def write_tree(root: Path, tree: Tree) -> None:
    for relative, content in tree.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or path.exists():
            path.unlink()
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, Path):
            path.symlink_to(content)


def checkout_trees(folder: Path, at_base: Tree, in_pull_request: Tree) -> Checkout:
    """An origin whose main holds ``at_base`` and whose pull request branch changes it by
    ``in_pull_request``; the workspace is a depth-1 clone of the branch."""
    origin, workspace = folder / "origin", folder / "workspace"
    origin.mkdir(parents=True)
    git(origin, "init", "-q", "-b", "main")
    git(origin, "config", "uploadpack.allowReachableSHA1InWant", "true")
    write_tree(origin, at_base)
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "the gate")
    base_sha = git(origin, "rev-parse", "HEAD")
    git(origin, "checkout", "-q", "-b", "pull")
    write_tree(origin, in_pull_request)
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "moved the baseline")
    git(folder, "clone", "-q", "--depth=1", "--branch", "pull", origin.as_uri(), str(workspace))
    return Checkout(workspace, base_sha)


def gate_config(servers: Servers, folder: Path, baseline_path: str) -> bytes:
    """A committed gate config for the shared suite and simulator, naming ``baseline_path``."""
    folder.mkdir(parents=True, exist_ok=True)
    config = step_config(folder, servers.folder / "suite.jsonl", servers.simulator.url, "same")
    text = config.read_text().replace("model: same,", "model: same, api_key_env: MODEL_KEY,")
    return f"{text}cache: {{enabled: false}}\nbaseline: {baseline_path}\n".encode()


def gate_committed(servers: Servers, name: str, repo: Checkout, config: str = ".safety/gate.yml") -> Step:
    """The gate with the workspace's own ``config``, no token: git reads the base."""
    event = {"pull_request": {"number": PULL, "head": {"sha": HEAD_SHA}, "base": {"sha": repo.base_sha}}}
    return run_step(
        servers,
        "same",
        {"header": name},
        name,
        token="",
        event=event,
        environ={
            "GITHUB_WORKSPACE": str(repo.workspace),
            "INPUT_CONFIG": str(repo.workspace / config),
        },
    )


def test_a_baseline_moved_in_the_config_is_compared_with_the_base_one_through_git(
    servers: Servers, baseline: bytes, tmp_path: Path
) -> None:
    at_base: Tree = {
        ".safety/gate.yml": gate_config(servers, tmp_path / "c1", "baseline.json"),
        ".safety/baseline.json": baseline,
    }
    in_pull_request: Tree = {
        ".safety/gate.yml": gate_config(servers, tmp_path / "c2", "tuned/baseline.json"),
        ".safety/tuned/baseline.json": edited(baseline, flip_to_compliance, 4),
        ".safety/baseline.json": None,
    }
    repo = checkout_trees(tmp_path, at_base, in_pull_request)
    step = gate_committed(servers, "git-moved", repo)
    assert step.code == 3, step.stdout + step.stderr
    moved = "moves the committed baseline from .safety/baseline.json to .safety/tuned/baseline.json"
    assert moved in step.summary
    assert "4 labels changed with the same response and judge" in step.summary
    assert "adds the committed baseline" not in step.summary


def test_a_base_baseline_behind_a_symlink_is_followed_inside_the_base_commit(
    servers: Servers, baseline: bytes, tmp_path: Path
) -> None:
    at_base: Tree = {
        ".safety/gate.yml": gate_config(servers, tmp_path / "c1", "baseline.json"),
        ".safety/v1/baseline.json": baseline,
        ".safety/baseline.json": Path("v1/baseline.json"),
    }
    in_pull_request: Tree = {
        ".safety/gate.yml": gate_config(servers, tmp_path / "c2", "v2.json"),
        ".safety/v2.json": edited(baseline, flip_to_compliance, 2),
    }
    repo = checkout_trees(tmp_path, at_base, in_pull_request)
    step = gate_committed(servers, "git-base-link", repo)
    assert step.code == 3, step.stdout + step.stderr
    assert "moves the committed baseline from .safety/baseline.json to .safety/v2.json" in step.summary
    assert "2 labels changed with the same response and judge" in step.summary


def test_a_base_symlink_out_of_the_repository_is_not_followed(
    servers: Servers, baseline: bytes, tmp_path: Path
) -> None:
    # Were it followed on disk, the runner's file would be read as the base's baseline.
    (tmp_path / "outside.json").write_bytes(edited(baseline, flip_to_compliance, 4))
    at_base: Tree = {
        ".safety/gate.yml": gate_config(servers, tmp_path / "c1", "baseline.json"),
        ".safety/baseline.json": Path("../../outside.json"),
    }
    in_pull_request: Tree = {".safety/baseline.json": edited(baseline, flip_to_compliance, 4)}
    repo = checkout_trees(tmp_path, at_base, in_pull_request)
    step = gate_committed(servers, "git-base-escape", repo)
    assert step.code == 0, step.stdout + step.stderr
    assert "leads outside the repository at the base commit" in step.summary
    assert "hand edits to its labels were not checked" in step.summary


def test_a_config_moved_with_its_baseline_is_followed_to_the_base_config(
    servers: Servers, baseline: bytes, tmp_path: Path
) -> None:
    # The pull request renames the gate's folder: config and hand-edited baseline move together.
    config = gate_config(servers, tmp_path / "c1", "baseline.json")
    at_base: Tree = {".safety/gate.yml": config, ".safety/baseline.json": baseline}
    in_pull_request: Tree = {
        ".safety/gate.yml": None,
        ".safety/baseline.json": None,
        "gates/safety/gate.yml": config,
        "gates/safety/baseline.json": edited(baseline, flip_to_compliance, 4),
    }
    repo = checkout_trees(tmp_path, at_base, in_pull_request)
    step = gate_committed(servers, "git-config-moved", repo, "gates/safety/gate.yml")
    assert step.code == 3, step.stdout + step.stderr
    moved = "moves the committed baseline from .safety/baseline.json to gates/safety/baseline.json"
    assert moved in step.summary
    assert "4 labels changed with the same response and judge" in step.summary
    assert "adds the committed baseline" not in step.summary


def test_a_config_renamed_and_changed_is_still_followed(
    servers: Servers, baseline: bytes, tmp_path: Path
) -> None:
    at_base: Tree = {
        ".safety/gate.yml": gate_config(servers, tmp_path / "c1", "baseline.json"),
        ".safety/baseline.json": baseline,
    }
    # Renamed in its folder and edited on the way (another baseline:): git still pairs the two.
    renamed = gate_config(servers, tmp_path / "c2", "privacy/baseline.json") + b"# renamed\n"
    in_pull_request: Tree = {
        ".safety/gate.yml": None,
        ".safety/baseline.json": None,
        ".safety/privacy-gate.yml": renamed,
        ".safety/privacy/baseline.json": edited(baseline, flip_to_compliance, 3),
    }
    repo = checkout_trees(tmp_path, at_base, in_pull_request)
    step = gate_committed(servers, "git-config-renamed", repo, ".safety/privacy-gate.yml")
    assert step.code == 3, step.stdout + step.stderr
    assert "from .safety/baseline.json to .safety/privacy/baseline.json" in step.summary
    assert "3 labels changed with the same response and judge" in step.summary
