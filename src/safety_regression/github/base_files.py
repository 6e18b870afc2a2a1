"""Files of a pull request's base commit, and where the run's files are in the repository.

A file of the base commit is read through the contents API (``GET .../contents/{path}?ref=``,
which follows a symbolic link to a file of the repository itself), else with git from the
workspace's checkout (``base_git``, which follows links inside the commit's tree only): the
API gives no content for a file over 1 MB, a workflow may give no token, a token may lack
``contents: read``. Nothing is ever read from the disk for the base commit.
"""

from __future__ import annotations

import base64
import binascii
import os
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from safety_regression.errors import GitHubError
from safety_regression.github.base_git import GitUnavailable, base_file_with_git, renamed_since
from safety_regression.github.client import GitHubClient


class BaseUnreadable(Exception):
    """Neither the API nor git could give the file: the message says why, safe to show."""


@dataclass(frozen=True)
class BaseCommit:
    """One commit of the repository, read from the API (``client``, None without a token),
    else with git in ``workspace``."""

    sha: str
    workspace: Path
    client: GitHubClient | None
    environ: Mapping[str, str]
    secrets: Sequence[str] = ()

    async def read(self, path: str) -> bytes | None:
        """The bytes of ``path`` (from the repository root) in this commit; None when the
        commit has no such file; a ``BaseUnreadable`` when neither way can say."""
        data, why = await self._from_the_api(path)
        if why is None:
            return data
        try:
            return await base_file_with_git(self.workspace, self.sha, path, self.environ, self.secrets)
        except GitUnavailable as exc:
            raise BaseUnreadable(f"{why}, and {exc}") from None

    async def renamed_to(self, path: str) -> str | None:
        """The path this commit had for ``path``, a file the checkout renamed since (git's
        rename detection); None when git pairs it with none, or cannot say."""
        try:
            return await renamed_since(self.workspace, self.sha, path, self.environ, self.secrets)
        except GitUnavailable:
            return None

    async def _from_the_api(self, path: str) -> tuple[bytes | None, str | None]:
        """The file's bytes (None: no such file), or why the API could not say."""
        if self.client is None:
            return None, "no github-token"
        try:
            found = await self.client.get_file(path, self.sha)
        except GitHubError as exc:
            return None, f"needs contents: read ({exc})"
        if found is None:
            return None, None
        if found.type == "symlink":
            return None, "GitHub gives a symbolic link whose target is not a file of the repository"
        if found.type != "file" or found.encoding != "base64":
            return None, f"GitHub returns no content for it ({found.size} bytes; over 1 MB?)"
        try:
            return base64.b64decode(found.content), None
        except (binascii.Error, ValueError):
            return None, "GitHub's content is not base64"


def repository_path(path: Path, workspace: Path) -> str | None:
    """Where ``path`` is in the repository checked out at ``workspace``, as named: its
    symbolic links not followed (None when it is not under the workspace)."""
    named = Path(os.path.abspath(path))
    for root in dict.fromkeys((Path(os.path.abspath(workspace)), workspace.resolve())):
        try:
            return named.relative_to(root).as_posix()
        except ValueError:
            continue
    return None


def relative_to_config(value: str, config: str, workspace: Path) -> str | None:
    """The repository path of ``value``, a path a config at ``config`` (a repository path)
    names: relative to the config's folder unless absolute; None outside the repository."""
    if PurePosixPath(value).is_absolute():
        return repository_path(Path(value), workspace)
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(config), value))
    if joined == ".." or joined.startswith("../"):
        return None
    return joined
