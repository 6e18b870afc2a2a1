"""The README's promises that code can check: every config key documented, commands exist."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from safety_regression.cli import cli
from safety_regression.config import Config, EndpointConfig

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def dotted_keys(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    for name, field in model.model_fields.items():
        annotation = field.annotation
        nested = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
        if nested is not None and nested is not EndpointConfig:
            yield from dotted_keys(nested, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


def test_every_config_key_is_in_the_readme_reference() -> None:
    keys = [*dotted_keys(Config), *(f"base.{name}" for name in EndpointConfig.model_fields)]
    missing = [key for key in keys if f"`{key}`" not in README]
    assert missing == []


def test_every_command_is_in_the_readme() -> None:
    missing = [name for name in cli.commands if f"`{name} " not in README and f"`{name}`" not in README]
    assert missing == []


def test_the_readme_commands_are_the_ones_ci_runs() -> None:
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install . && safety-regression demo" in README
    assert "pip install -e '.[dev]' && pytest" in README
    assert "pip install --quiet -e '.[dev]'" in ci and "\npytest\n" in ci
