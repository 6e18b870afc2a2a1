"""Finding a gate run's stored results: the workflow-run artifact of a commit.

The gate job uploads its output folder (``safety-report/``: both snapshots and
``review-setup.json``) as an artifact. A review job finds the newest unexpired artifact
of that name whose workflow run built the pull request's head commit, through
``GET /repos/{owner}/{repo}/actions/artifacts?name=...``, and downloads its zip.
The download answers with a redirect to a signed storage URL; the token is never sent
there (the redirect is followed by hand, without the Authorization header).
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import quote

import aiohttp
from pydantic import BaseModel, ConfigDict, ValidationError
from yarl import URL

from safety_regression.errors import GitHubError
from safety_regression.github.client import PER_PAGE, GitHubClient
from safety_regression.github.models import Permission
from safety_regression.github.refusals import Call, Refused, refusal

MAX_ARCHIVE_BYTES = 256 * 1024 * 1024
"""Largest artifact zip the review job downloads, and the largest file it unpacks."""
MAX_PAGES = 10
"""Pages of artifacts (newest first) looked through for the commit's."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ArtifactRun(_Model):
    id: int
    head_sha: str
    repository_id: int | None = None
    head_repository_id: int | None = None

    @property
    def from_fork(self) -> bool:
        """Whether the run built a fork's code: its workflow file, and so its artifact, was the fork's."""
        return self.head_repository_id != self.repository_id


class Artifact(_Model):
    id: int
    name: str
    size_in_bytes: int
    expired: bool
    created_at: datetime | None
    workflow_run: ArtifactRun | None = None


class ArtifactClient(GitHubClient):
    """The GitHub client with the calls a review job needs beyond the gate's."""

    async def permission_of(self, username: str) -> Permission:
        """The user's permission; ``none`` for someone GitHub does not know as a collaborator (404)."""
        call = self._call("GET", f"/collaborators/{quote(username, safe='')}/permission", "metadata: read")
        first = await self._attempt(self._url(call), "GET", None)
        if isinstance(first, Refused) and first.failure.status == 404:
            return Permission.NONE
        return await self.get_permission(username)

    async def find_artifact(self, name: str, head_sha: str) -> Artifact | None:
        """The newest unexpired artifact called ``name`` from a run of ``head_sha``."""
        call = self._call("GET", "/actions/artifacts", "actions: read")
        for page in range(1, MAX_PAGES + 1):
            url = self._url(call).with_query({"name": name, "per_page": str(PER_PAGE), "page": str(page)})
            reply = await self._send(call, url, None)
            try:
                items = [Artifact.model_validate(item) for item in reply.data["artifacts"]]
            except (KeyError, TypeError, ValidationError) as exc:
                raise self._shape_error(call, f"artifacts: {exc}") from None
            matching = [
                a
                for a in items
                if a.name == name and not a.expired and a.workflow_run and a.workflow_run.head_sha == head_sha
            ]
            if matching:
                return max(matching, key=lambda a: (a.created_at is not None, a.created_at, a.id))
            if len(items) < PER_PAGE:
                return None
        return None

    async def download_artifact(self, artifact: Artifact) -> zipfile.ZipFile:
        """The artifact's zip, opened; refuses one larger than ``MAX_ARCHIVE_BYTES``."""
        if artifact.size_in_bytes > MAX_ARCHIVE_BYTES:
            raise GitHubError(
                f"artifact {artifact.name} is {artifact.size_in_bytes} bytes, more than the "
                f"{MAX_ARCHIVE_BYTES} a review downloads: store responses as hashes (snapshot.responses)"
            )
        call = self._call("GET", f"/actions/artifacts/{artifact.id}/zip", "actions: read")
        try:
            async with self._session.get(
                self._url(call), headers=self._headers, timeout=self._timeout, allow_redirects=False
            ) as response:
                location = response.headers.get("Location")
                if response.status != 302 or not location:
                    data = await _json_or_none(response)
                    failure = self._classify(response.status, response.headers, data)
                    raise GitHubError(self._scrub(_refused(call, failure, self.repository)))
            # The signed storage URL carries its own credentials: no token goes there.
            async with self._session.get(URL(location, encoded=True), timeout=self._timeout) as blob:
                if blob.status != 200:
                    raise GitHubError(
                        f"downloading artifact {artifact.name} failed (HTTP {blob.status}): "
                        "re-run the review; the artifact may have just expired"
                    )
                body = await blob.content.read(MAX_ARCHIVE_BYTES + 1)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise GitHubError(
                f"could not download artifact {artifact.name} ({type(exc).__name__}): re-run the review"
            ) from None
        if len(body) > MAX_ARCHIVE_BYTES:
            raise GitHubError(f"artifact {artifact.name} is larger than {MAX_ARCHIVE_BYTES} bytes")
        try:
            return zipfile.ZipFile(io.BytesIO(body))
        except zipfile.BadZipFile:
            raise GitHubError(f"artifact {artifact.name} is not a zip archive: re-run the gate") from None


def _members(archive: zipfile.ZipFile, filename: str) -> list[zipfile.ZipInfo]:
    """The archive's files of that name, at its root or in one folder."""
    found = [info for info in archive.infolist() if PurePosixPath(info.filename).name == filename]
    return [info for info in found if len(PurePosixPath(info.filename).parts) <= 2]


def holds_member(archive: zipfile.ZipFile, filename: str) -> bool:
    """Whether ``read_member`` finds a file of that name in the archive."""
    return bool(_members(archive, filename))


def read_member(archive: zipfile.ZipFile, filename: str, artifact: str) -> bytes:
    """The one file of that name in the archive, at its root or in one folder."""
    found = _members(archive, filename)
    if not found:
        raise GitHubError(
            f"artifact {artifact} has no {filename}: upload the gate's whole output folder "
            "(the Action's out input) with actions/upload-artifact"
        )
    info = min(found, key=lambda item: len(item.filename))
    if info.file_size > MAX_ARCHIVE_BYTES:
        raise GitHubError(f"{filename} in artifact {artifact} is larger than {MAX_ARCHIVE_BYTES} bytes")
    with archive.open(info) as member:
        return member.read(MAX_ARCHIVE_BYTES + 1)


async def _json_or_none(response: aiohttp.ClientResponse) -> object:
    try:
        return await response.json(content_type=None)
    except ValueError:
        return None


def _refused(call: Call, failure: Refused, repository: str) -> str:
    if failure.failure.status == 410:
        return f"GitHub says the artifact behind {call} has expired (410): re-run the gate for this commit"
    return refusal(call, failure, repository)
