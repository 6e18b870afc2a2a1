"""Where the test fixtures the repository ships live, and what happens when one is missing.

A fixture under ``tests/fixtures/`` is part of the repository, so its absence is a broken
checkout, not an optional extra: on CI (``CI=true``, which GitHub Actions and most CI
services set) a missing one fails the run instead of skipping the tests silently. On a
developer's machine it skips, with the path in the reason.

Material outside the repository (``../shared/``, the XSTest human labels) is different: it is
never shipped, so those tests keep skipping everywhere when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GITHUB_REST_SLICE = FIXTURES / "github-rest" / "github-rest-slice.json"


def on_ci() -> bool:
    """Whether the tests run on CI, as the ``CI`` variable says (``true`` or ``1``)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def require_fixture(path: Path) -> Path:
    """Return ``path``; when it is missing, skip the calling module, or fail it on CI.

    Call it at module level: ``SLICE = require_fixture(GITHUB_REST_SLICE)``.
    """
    if path.exists():
        return path
    reason = f"the repository's test fixture {path} is missing"
    if on_ci():
        pytest.fail(f"{reason}; CI=true, so this is an error, not a skip", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require_tool(found: bool, reason: str) -> None:
    """Skip the calling test when a tool .ci/run installs is missing, or fail it on CI.

    Chromium and Mermaid are not Python packages, so ``pip install`` does not bring them;
    ``.ci/run`` does. On CI their absence means that step broke, and the test says so
    instead of passing silently as a skip.
    """
    if found:
        return
    if on_ci():
        message = f"{reason}; CI=true and .ci/run installs it, so this is an error, not a skip"
        pytest.fail(message, pytrace=False)
    pytest.skip(reason)
