"""The fixtures the repository ships are there, and a missing one fails on CI instead of skipping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.shipped import GITHUB_REST_SLICE, on_ci, require_fixture


def test_the_github_rest_slice_is_vendored_with_its_licence() -> None:
    description = json.loads(GITHUB_REST_SLICE.read_text(encoding="utf-8"))
    assert description["info"]["license"]["name"] == "MIT"
    assert description["info"]["version"] == "23.0.2"
    assert "/repos/{owner}/{repo}/collaborators/{username}/permission" in description["paths"]
    notice = (GITHUB_REST_SLICE.parent / "LICENSE").read_text(encoding="utf-8")
    assert "@octokit/openapi" in notice and "MIT License" in notice


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("1", True), ("", False), ("false", False)])
def test_ci_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv("CI", value)
    assert on_ci() is expected


def test_a_missing_fixture_fails_under_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_fixture(tmp_path / "absent.json")


def test_a_missing_fixture_skips_off_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"absent\.json"):
        require_fixture(tmp_path / "absent.json")


def test_a_present_fixture_is_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert require_fixture(GITHUB_REST_SLICE) == GITHUB_REST_SLICE
