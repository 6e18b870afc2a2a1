"""The base commit's version of a file, read with git from the Action's checkout.

GitHub's contents API sends no content for a file over 1 MB, and a workflow may give the
Action no token. The workspace is an ``actions/checkout`` clone, by default of the pull
request's merge commit at depth 1, so the base commit is usually not in it: it is fetched
(``git fetch --depth=1 origin <sha>``; the checkout keeps its credentials in the clone's
config, and GitHub serves any reachable commit), then the file is read as stored
(``git cat-file blob``, no filters). Symbolic links in the path are followed inside the
commit's tree, one part at a time (``git ls-tree``), as the checkout would follow them; one
that leads out of the repository is not followed. git runs as a child process, never through a shell,
with a small environment, no prompt and a timeout. Its stderr can name the remote: a
reason keeps only git's last line, with every URL and the token taken out.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from safety_regression.redaction import all_forms

GIT_TIMEOUT = 60.0
"""Seconds one git command may take (a fetch of one commit over a slow link included)."""
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"]+")
_PROXIES = ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "ALL_PROXY")
_PASSED_ON: tuple[str, ...] = ("PATH", "HOME", "SYSTEMROOT", "GIT_SSL_CAINFO", "SSL_CERT_FILE", *_PROXIES)
_PASSED_ON += tuple(name.lower() for name in _PROXIES)
MAX_LINKS = 16
"""Symbolic links followed in one path before it counts as a loop."""
_LINK, _TREE, _BLOB = b"120000", b"tree", b"blob"


class GitUnavailable(Exception):
    """git could not give the file: not installed, not a repository, the fetch failed."""


@dataclass(frozen=True)
class GitResult:
    code: int
    stdout: bytes
    stderr: str


def git_environment(environ: Mapping[str, str], workspace: Path) -> dict[str, str]:
    """What git needs and nothing more: where to find programs and the global config
    (``safe.directory``), proxies; no prompt, no repository above the workspace."""
    kept = {name: environ[name] for name in _PASSED_ON if name in environ}
    return kept | {
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CEILING_DIRECTORIES": str(workspace.parent),
        "GIT_LITERAL_PATHSPECS": "1",  # a path is a path, never a pattern
        "LC_ALL": "C",
    }


def scrubbed(stderr: str, secrets: Sequence[str]) -> str:
    """git's last line of stderr, without URLs (they may carry credentials) or secrets."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    text = lines[-1] if lines else "no message"
    text = _URL.sub("(the remote)", text)
    for form in all_forms(secrets):
        text = text.replace(form, "***")
    return text[:200]


async def run_git(workspace: Path, arguments: Sequence[str], environ: Mapping[str, str]) -> GitResult:
    """``git -C workspace arguments``; a ``GitUnavailable`` if git is missing or too slow."""
    try:
        process = await asyncio.create_subprocess_exec(
            "git",
            "-C",
            str(workspace),
            # The runner's user owns the checkout, the container's root runs git: trust
            # this one repository (its config is actions/checkout's, not the PR's).
            "-c",
            f"safe.directory={workspace}",
            *arguments,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=git_environment(environ, workspace),
            start_new_session=True,  # its own process group: a timeout stops its helpers too
        )
    except OSError as exc:
        raise GitUnavailable(f"git is not available ({exc.strerror or type(exc).__name__})") from None
    try:
        async with asyncio.timeout(GIT_TIMEOUT):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        # git-remote-http, not git, holds the connection and git's pipes: stop them all
        # (waiting for git alone would wait for those pipes to close).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        raise GitUnavailable(f"git {arguments[0]} took over {GIT_TIMEOUT:g} s") from None
    code = process.returncode
    return GitResult(code if code is not None else -1, stdout, stderr.decode("utf-8", "replace"))


async def _have_commit(workspace: Path, sha: str, environ: Mapping[str, str], secrets: Sequence[str]) -> None:
    """Commit ``sha`` in the workspace's clone, fetched at depth 1 if it is not there."""
    if not _SHA.fullmatch(sha):
        raise GitUnavailable("the base commit's id is not a commit id")

    async def git(*arguments: str) -> GitResult:
        return await run_git(workspace, arguments, environ)

    if (await git("rev-parse", "--git-dir")).code != 0:
        raise GitUnavailable("the workspace is not a git checkout")
    if (await git("cat-file", "-e", f"{sha}^{{commit}}")).code != 0:
        fetched = await git("fetch", "--no-tags", "--no-recurse-submodules", "--depth=1", "origin", sha)
        if fetched.code != 0:
            raise GitUnavailable(f"git fetch of the base commit failed: {scrubbed(fetched.stderr, secrets)}")
        if (await git("cat-file", "-e", f"{sha}^{{commit}}")).code != 0:
            raise GitUnavailable("git fetch did not bring the base commit")


async def renamed_since(
    workspace: Path, sha: str, path: str, environ: Mapping[str, str], secrets: Sequence[str] = ()
) -> str | None:
    """Where ``path`` (from the repository root, a file of the checkout's ``HEAD``) was in
    commit ``sha``, when git's rename detection (``git diff -M``, files at least half alike)
    pairs it with a file of ``sha`` that ``HEAD`` no longer has; None when it pairs it with
    none. A ``GitUnavailable`` when git cannot say."""
    await _have_commit(workspace, sha, environ, secrets)
    arguments = ("diff", "--no-ext-diff", "--no-textconv", "-M", "--diff-filter=R", "--name-status", "-z")
    listed = await run_git(workspace, (*arguments, sha, "HEAD"), environ)
    if listed.code != 0:
        raise GitUnavailable(f"git could not compare the commits: {scrubbed(listed.stderr, secrets)}")
    fields = listed.stdout.decode("utf-8", "surrogateescape").split("\0")
    # -z --name-status: "R<score>", the old path, the new path; one triple per rename.
    for status, old, new in zip(fields[0::3], fields[1::3], fields[2::3], strict=False):
        if status.startswith("R") and new == path:
            return old
    return None


async def base_file_with_git(
    workspace: Path,
    sha: str,
    path: str,
    environ: Mapping[str, str],
    secrets: Sequence[str] = (),
) -> bytes | None:
    """The bytes of ``path`` (from the repository root) in commit ``sha``, fetched into the
    workspace's clone if it is not there, symbolic links followed inside the commit; None
    if the commit has no such file. A ``GitUnavailable`` with a reason safe to show when
    git cannot say, or the path leads out of the repository."""

    async def git(*arguments: str) -> GitResult:
        return await run_git(workspace, arguments, environ)

    await _have_commit(workspace, sha, environ, secrets)

    async def blob(object_id: str) -> bytes:
        shown = await git("cat-file", "blob", object_id)
        if shown.code != 0:
            raise GitUnavailable(f"git could not read it: {scrubbed(shown.stderr, secrets)}")
        return shown.stdout

    async def entry(at: str) -> tuple[bytes, bytes, str] | None:
        """The tree entry at ``at``: mode, type, object id; None when there is none."""
        listed = await git("ls-tree", "-z", "--full-tree", sha, "--", at)
        if listed.code != 0:
            raise GitUnavailable(f"git could not list it: {scrubbed(listed.stderr, secrets)}")
        line = listed.stdout.split(b"\0", 1)[0]
        if not line:
            return None
        mode, kind, object_id = line.split(b"\t", 1)[0].split(b" ")
        return mode, kind, object_id.decode("ascii")

    pending, links = path.split("/"), 0
    done: list[str] = []
    while pending:
        part = pending.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not done:
                raise GitUnavailable(f"{path} leads outside the repository at the base commit")
            done.pop()
            continue
        found = await entry("/".join([*done, part]))
        if found is None:
            return None  # the base commit has no such file: the baseline is new
        mode, kind, object_id = found
        if mode == _LINK:
            links += 1
            if links > MAX_LINKS:
                raise GitUnavailable(f"{path} goes through more than {MAX_LINKS} symbolic links")
            target = (await blob(object_id)).decode("utf-8", "replace")
            if target.startswith("/"):
                raise GitUnavailable(f"{path} is a symbolic link out of the repository at the base commit")
            pending = target.split("/") + pending  # from the link's folder, which is ``done``
            continue
        if kind == _TREE and pending:
            done.append(part)
            continue
        if kind != _BLOB or pending:
            return None  # a folder, a submodule, or a path through a file: no such file
        return await blob(object_id)
    return None
