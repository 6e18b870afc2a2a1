"""action.yml, the image and the pinned requirements agree with the code that reads them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from safety_regression._version import __version__
from safety_regression.github.inputs import ActionInputs

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def test_every_input_in_action_yml_is_read_and_every_read_input_is_declared() -> None:
    declared = set(ACTION["inputs"])
    read = {name.replace("_", "-") for name in ActionInputs.model_fields}
    assert declared == read


def test_the_action_runs_the_prebuilt_image_of_this_version() -> None:
    assert ACTION["runs"]["using"] == "docker"
    image = ACTION["runs"]["image"]
    assert re.fullmatch(r"docker://ghcr\.io/[a-z0-9-]+/safety-regression-action:[0-9.]+", image)
    assert image.rsplit(":", 1)[1] == __version__, "bump action.yml's image with the version"


def test_the_image_installs_every_runtime_dependency_pinned_with_hashes() -> None:
    lock = (ROOT / "requirements" / "action.txt").read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([a-z0-9-]+)==([^ \\]+) \\$", lock, flags=re.M))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {re.split(r"[<>=!~ \[]", dep, maxsplit=1)[0].lower() for dep in project["dependencies"]}
    assert runtime <= set(pins), f"unpinned: {runtime - set(pins)}"
    blocks = re.split(r"\n(?=[a-z0-9-]+==)", lock)[1:]
    assert len(blocks) == len(pins) and all("--hash=sha256:" in block for block in blocks)
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "--require-hashes" in dockerfile and "requirements/action.txt" in dockerfile
    assert re.search(r"pip install [^\n]*--no-deps \.", dockerfile)


def test_example_workflows_are_the_ones_the_docs_name() -> None:
    docs = (ROOT / "docs" / "action.md").read_text(encoding="utf-8")
    for example in sorted((ROOT / "examples" / "workflows").glob("*.yml")):
        assert f"examples/workflows/{example.name}" in docs, example.name


def test_the_installed_version_is_the_one_written_in_the_package() -> None:
    # The build reads __version__ from _version.py; an install from an older checkout would differ.
    from importlib.metadata import version

    assert version("safety-regression-action") == __version__
