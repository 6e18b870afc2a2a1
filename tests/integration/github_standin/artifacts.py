"""Workflow-run artifacts in the GitHub stand-in: the listing, the download redirect, and the
storage host the redirect points to (which must never receive the token)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .fakes import basic_error, node_id
from .openapi import JSON

STORAGE_PREFIX = "/_storage/artifacts/"
"""Not part of the REST API: the signed blob URL a download redirects to."""


@dataclass
class StoredArtifact:
    record: JSON
    archive: bytes


def zip_folder(folder: Path) -> bytes:
    """What actions/upload-artifact stores for ``path: folder/``: its files at the zip's root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def fake_artifact(
    repository: JSON,
    artifact_id: int,
    name: str,
    size: int,
    run_id: int,
    head_sha: str,
    expired: bool,
    fork: bool = False,
) -> JSON:
    url = f"{repository['url']}/actions/artifacts/{artifact_id}"
    created = datetime.now(UTC).replace(microsecond=0)
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    expires = (created + timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": artifact_id,
        "node_id": node_id("A", artifact_id),
        "name": name,
        "size_in_bytes": size,
        "url": url,
        "archive_download_url": f"{url}/zip",
        "expired": expired,
        "created_at": stamp,
        "expires_at": expires,
        "updated_at": stamp,
        "digest": None,
        "workflow_run": {
            "id": run_id,
            "repository_id": repository["id"],
            "head_repository_id": repository["id"] + 1 if fork else repository["id"],
            "head_branch": "fine-tune",
            "head_sha": head_sha,
        },
    }


def list_artifacts(artifacts: Mapping[int, StoredArtifact], params: JSON) -> tuple[JSON, dict[str, str]]:
    """Newest first, as GitHub lists them, filtered by name, one page."""
    records = [a.record for _, a in sorted(artifacts.items(), reverse=True)]
    if "name" in params:
        records = [r for r in records if r["name"] == params["name"]]
    per_page = min(max(params.get("per_page", 30), 1), 100)
    page = max(params.get("page", 1), 1)
    shown = records[(page - 1) * per_page : page * per_page]
    return {"total_count": len(records), "artifacts": shown}, {}


def download_redirect(
    artifacts: Mapping[int, StoredArtifact], params: JSON, base_url: str
) -> tuple[int, Any, dict[str, str]]:
    stored = artifacts.get(params["artifact_id"])
    if stored is None or params["archive_format"] != "zip":
        return 404, basic_error("Not Found", 404), {}
    if stored.record["expired"]:
        return 410, basic_error("Artifact has expired", 410), {}
    signature = f"sig{params['artifact_id']:x}"
    return 302, None, {"Location": f"{base_url}{STORAGE_PREFIX}{params['artifact_id']}.zip?sig={signature}"}
