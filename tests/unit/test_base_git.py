"""Reading the base commit's file with git: the environment git gets, what of its stderr
may be shown, and a real repository (a file the commit lacks is None, not an error)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from safety_regression.github import base_git
from safety_regression.github.base_git import GitUnavailable, base_file_with_git, git_environment, scrubbed

TOKEN = "ghs_0123456789abcdefGHIJKLmnopqrstuvwx"


def test_git_gets_a_small_environment_and_no_prompt(tmp_path: Path) -> None:
    runner = {"PATH": "/usr/bin", "HOME": "/home/runner", "INPUT_GITHUB-TOKEN": TOKEN, "GITHUB_TOKEN": TOKEN}
    environment = git_environment(runner, tmp_path / "workspace")
    assert environment == {
        "PATH": "/usr/bin",
        "HOME": "/home/runner",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CEILING_DIRECTORIES": str(tmp_path),
        "GIT_LITERAL_PATHSPECS": "1",
        "LC_ALL": "C",
    }


def test_git_messages_lose_urls_and_the_token() -> None:
    stderr = (
        "remote: Repository not found.\n"
        f"fatal: repository 'https://x-access-token:{TOKEN}@github.com/o/r/' not found\n"
    )
    assert scrubbed(stderr, [TOKEN]) == "fatal: repository '(the remote)' not found"
    assert TOKEN not in scrubbed(f"fatal: bad header {TOKEN}", [TOKEN])
    assert scrubbed("", []) == "no message"


def git(where: Path, *arguments: str) -> str:
    environ = {"PATH": os.environ["PATH"], "HOME": str(where), "GIT_CONFIG_GLOBAL": os.devnull}
    environ |= {"GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "T", "GIT_COMMITTER_NAME": "T"}
    environ |= {"GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    done = subprocess.run(
        ["git", *arguments], cwd=where, env=environ, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_real_repository(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    git(tmp_path, "init", "-q")
    (tmp_path / "b" / "x.json").write_bytes(b'{"a": 1}\r\n')  # bytes as stored, no filters
    git(tmp_path, "add", "b/x.json")
    git(tmp_path, "commit", "-q", "-m", "x")
    sha = git(tmp_path, "rev-parse", "HEAD")
    environ = {"PATH": os.environ["PATH"]}
    assert asyncio.run(base_file_with_git(tmp_path, sha, "b/x.json", environ)) == b'{"a": 1}\r\n'
    assert asyncio.run(base_file_with_git(tmp_path, sha, "b/new.json", environ)) is None
    with pytest.raises(GitUnavailable, match="not a commit id"):
        asyncio.run(base_file_with_git(tmp_path, "--upload-pack=touch", "b/x.json", environ))
    with pytest.raises(GitUnavailable, match="not a git checkout"):
        asyncio.run(base_file_with_git(tmp_path / "b", sha, "x.json", environ))
    with pytest.raises(GitUnavailable, match="git fetch of the base commit failed"):
        asyncio.run(base_file_with_git(tmp_path, "d" * 40, "b/x.json", environ))


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_symbolic_links_are_followed_inside_the_commit_only(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "data" / "v1").mkdir(parents=True)
    (tmp_path / "data" / "v1" / "base*.json").write_bytes(b"one")  # a glob character, read literally
    (tmp_path / "data" / "v1" / "baseA.json").write_bytes(b"other")
    links = {
        "data/current": "v1",  # a folder
        "data/baseline.json": "current/base*.json",  # through the folder link
        "top.json": "./data/../data/baseline.json",
        "escape.json": "../outside.json",
        "absolute.json": "/etc/hostname",
        "loop-a": "loop-b",
        "loop-b": "loop-a",
        "dangling.json": "data/none.json",
    }
    for name, target in links.items():
        (tmp_path / name).symlink_to(target)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "links")
    sha = git(tmp_path, "rev-parse", "HEAD")
    environ = {"PATH": os.environ["PATH"]}

    def read(path: str) -> bytes | None:
        return asyncio.run(base_file_with_git(tmp_path, sha, path, environ))

    assert read("data/baseline.json") == b"one"
    assert read("top.json") == b"one"
    assert read("data/current/base*.json") == b"one"
    assert read("data/current") is None  # a folder is no file
    assert read("dangling.json") is None
    assert read("data/v1/base?.json") is None  # no pattern matching
    for path, reason in (
        ("escape.json", "leads outside the repository"),
        ("absolute.json", "a symbolic link out of the repository"),
        ("../x.json", "leads outside the repository"),
        ("loop-a", "more than 16 symbolic links"),
    ):
        with pytest.raises(GitUnavailable, match=reason):
            read(path)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_fetch_that_hangs_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A remote that takes the connection and never answers.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    git(tmp_path, "init", "-q")
    git(tmp_path, "remote", "add", "origin", f"http://127.0.0.1:{port}/o/r.git")
    monkeypatch.setattr(base_git, "GIT_TIMEOUT", 1.0)
    reading = base_file_with_git(tmp_path, "d" * 40, "b/x.json", {"PATH": os.environ["PATH"]})
    started = time.monotonic()
    # Bounded here too: git's helper (git-remote-http) left running would hold the pipes.
    with listener, pytest.raises(GitUnavailable, match="git fetch took over 1 s"):
        asyncio.run(asyncio.wait_for(reading, 10))
    assert time.monotonic() - started < 10
