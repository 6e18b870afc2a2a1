"""Where a gate config at another commit puts its baseline: only ``baseline:`` is read, and
the path is placed in the repository from the config's folder (never outside it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from safety_regression.config.committed import baseline_named
from safety_regression.errors import ConfigError
from safety_regression.github.base_files import relative_to_config, repository_path


def test_only_the_baseline_field_is_read() -> None:
    # Fields this version would refuse do not matter: the base commit's config may be older.
    text = b"suite: [builtin:quick]\nretired_field: 3\nbaseline: ' baseline.json '\n"
    assert baseline_named(text, "gate.yml") == "baseline.json"
    assert baseline_named(b"suite: [builtin:quick]\n", "gate.yml") is None
    assert baseline_named(b"", "gate.yml") is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"suite: [unclosed\n", "gate.yml:2: not valid YAML"),
        (b"- a list\n", "gate.yml:1: a gate config is a YAML mapping"),
        (b"suite: []\nbaseline: [a, b]\n", "gate.yml:2: baseline: is not a path"),
        (b"\xff\xfe", "gate.yml: not UTF-8 text"),
    ],
)
def test_a_config_that_names_no_readable_path_is_a_config_error(text: bytes, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        baseline_named(text, "gate.yml")


def test_the_path_is_placed_from_the_config_folder_inside_the_repository(tmp_path: Path) -> None:
    assert relative_to_config("baseline.json", ".safety/gate.yml", tmp_path) == ".safety/baseline.json"
    assert relative_to_config("../data/b.json", ".safety/gate.yml", tmp_path) == "data/b.json"
    assert relative_to_config("./b.json", "gate.yml", tmp_path) == "b.json"
    assert relative_to_config("../../b.json", ".safety/gate.yml", tmp_path) is None
    assert relative_to_config(str(tmp_path / "x" / "b.json"), "gate.yml", tmp_path) == "x/b.json"
    assert relative_to_config("/elsewhere/b.json", "gate.yml", tmp_path) is None


def test_a_run_file_is_placed_as_named_links_not_followed(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_text("{}")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    assert repository_path(tmp_path / "link.json", tmp_path) == "link.json"
    assert repository_path(tmp_path.parent / "other.json", tmp_path) is None
