"""The stand-in's repository contents: files per commit, served as GitHub's contents API does.

``GET /repos/{owner}/{repo}/contents/{path}?ref=`` answers a ``content-file`` object with
the file base64-encoded (60-character lines, as GitHub wraps them); a file over 1 MB
comes back with empty ``content`` and ``encoding: none``, as GitHub sends it to the
default media type. A symbolic link whose target is a file of the repository comes back as
that file; any other as a ``content-symlink`` object (its ``target``, no content). An
unknown path or ref is a 404.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
from dataclasses import dataclass, field
from urllib.parse import quote

from .openapi import API, JSON, WEB

INLINE_LIMIT = 1024 * 1024
"""Bytes above which GitHub leaves ``content`` empty for the default media type."""


@dataclass
class ContentsStore:
    """Files by (commit or branch, path from the repository root)."""

    files: dict[tuple[str, str], bytes] = field(default_factory=dict)
    links: dict[tuple[str, str], str] = field(default_factory=dict)
    """Symbolic links by (ref, path): their target, as the link holds it."""

    def put(self, ref: str, path: str, content: bytes) -> None:
        self.files[(ref, path.lstrip("/"))] = content

    def put_link(self, ref: str, path: str, target: str) -> None:
        self.links[(ref, path.lstrip("/"))] = target

    def get(self, ref: str, path: str) -> bytes | None:
        return self.files.get((ref, path))

    def link_file(self, ref: str, path: str) -> bytes | None:
        """The content a link at ``path`` leads to when it is a file of the repository
        (one link deep, as the stand-in needs)."""
        target = self.links[(ref, path)]
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
        if target.startswith("/") or joined == ".." or joined.startswith("../"):
            return None
        return self.files.get((ref, joined))


def fake_content_symlink(full_name: str, path: str, ref: str, target: str) -> JSON:
    sha = blob_sha(target.encode())
    quoted = quote(path)
    url = f"{API}/repos/{full_name}/contents/{quoted}?ref={quote(ref)}"
    html = f"{WEB}/{full_name}/blob/{quote(ref)}/{quoted}"
    git = f"{API}/repos/{full_name}/git/blobs/{sha}"
    return {
        "type": "symlink",
        "target": target,
        "size": len(target.encode()),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": sha,
        "url": url,
        "git_url": git,
        "html_url": html,
        "download_url": f"https://raw.githubusercontent.example/{full_name}/{quote(ref)}/{quoted}",
        "_links": {"git": git, "html": html, "self": url},
    }


def blob_sha(content: bytes) -> str:
    """Git's blob id: what GitHub reports as a file's ``sha``."""
    return hashlib.sha1(b"blob %d\x00" % len(content) + content, usedforsecurity=False).hexdigest()


def fake_content_file(full_name: str, path: str, ref: str, content: bytes) -> JSON:
    sha = blob_sha(content)
    quoted = quote(path)
    url = f"{API}/repos/{full_name}/contents/{quoted}?ref={quote(ref)}"
    html = f"{WEB}/{full_name}/blob/{quote(ref)}/{quoted}"
    git = f"{API}/repos/{full_name}/git/blobs/{sha}"
    if len(content) > INLINE_LIMIT:
        encoded, encoding = "", "none"
    else:
        flat = base64.b64encode(content).decode("ascii")
        encoded = "".join(flat[i : i + 60] + "\n" for i in range(0, len(flat), 60))
        encoding = "base64"
    return {
        "type": "file",
        "encoding": encoding,
        "size": len(content),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "content": encoded,
        "sha": sha,
        "url": url,
        "git_url": git,
        "html_url": html,
        "download_url": f"https://raw.githubusercontent.example/{full_name}/{quote(ref)}/{quoted}",
        "_links": {"git": git, "html": html, "self": url},
    }
