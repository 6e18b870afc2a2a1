"""Config values of the wrong kind: a YAML boolean is no number, and durations say their limit."""

from __future__ import annotations

import copy
import types
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from safety_regression.config import Config, load_config
from safety_regression.errors import ConfigError, ExitCode

ENDPOINT = {"url": "http://127.0.0.1:9/v1", "model": "m", "price": {"prompt": 1.0, "completion": 2.0}}
EVERY_SECTION: dict[str, Any] = {
    "suite": ["builtin:quick"],
    "base": copy.deepcopy(ENDPOINT),
    "finetuned": copy.deepcopy(ENDPOINT),
    "sampling": {},
    "judge": {"kind": "llm", "endpoint": copy.deepcopy(ENDPOINT)},
    "toxicity": {"endpoint": copy.deepcopy(ENDPOINT)},
    "gate": {"false_refusal": {}, "capability": {}, "sequential": {}},
    "run": {},
    "report": {},
}
"""A config with every section that holds a number (and the endpoints' prices)."""


def numeric_fields(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The paths of every int or float field of ``model`` and of the sections inside it."""
    found = []
    for name, field in model.model_fields.items():
        kinds = _kinds(field.annotation)
        section = next((k for k in kinds if isinstance(k, type) and issubclass(k, BaseModel)), None)
        if section is not None and section is not model:  # a vote's members are judges again
            found += numeric_fields(section, (*prefix, name))
        elif kinds & {int, float} and bool not in kinds:
            found.append((*prefix, name))
    return found


def _kinds(annotation: Any) -> set[Any]:
    if typing.get_origin(annotation) is typing.Annotated:
        return _kinds(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return set().union(*(_kinds(member) for member in typing.get_args(annotation)))
    return {annotation}


PATHS = [path for path in numeric_fields(Config) if path[0] in EVERY_SECTION]


def test_every_numeric_field_is_found() -> None:
    dotted = {".".join(path) for path in PATHS}
    assert {
        "run.deadline",
        "run.max_requests",
        "run.max_cost",
        "base.requests_per_minute",
        "base.tokens_per_minute",
        "finetuned.concurrency",
        "base.price.prompt",
        "judge.endpoint.price.completion",
        "judge.max_attempts",
        "toxicity.endpoint.timeout",
        "sampling.samples",
        "sampling.seed",
        "gate.alpha",
        "gate.false_refusal.min_effect",
        "gate.sequential.looks",
        "report.excerpt_chars",
    } <= dotted
    assert len(PATHS) >= 50


@pytest.mark.parametrize("path", PATHS, ids=".".join)
def test_a_boolean_is_refused_where_a_number_goes(tmp_path: Path, path: tuple[str, ...]) -> None:
    # Found in review: pydantic takes true as 1, so ``run.deadline: true`` was a one-second
    # deadline and ``max_requests: true`` a budget of one request.
    data = copy.deepcopy(EVERY_SECTION)
    section = data
    for part in path[:-1]:
        section = section.setdefault(part, {})
    section[path[-1]] = True
    text = yaml.safe_dump(data, default_flow_style=False, sort_keys=False)
    config = tmp_path / "gate.yml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    message = str(raised.value)
    assert "\n" not in message and raised.value.exit_code == ExitCode.USAGE
    where, field, what = message.split(": ", 2)
    assert field == ".".join(path) and what == "expects a number, not the boolean true"
    line = int(where.rsplit(":", 1)[1])
    assert where == f"{config}:{line}" and text.splitlines()[line - 1].strip() == f"{path[-1]}: true"


@pytest.mark.parametrize("field", ["category_weights", "distribution"])
def test_a_boolean_weight_or_share_is_refused(tmp_path: Path, field: str) -> None:
    config = tmp_path / "gate.yml"
    config.write_text(f"gate:\n  {field}: {{cybersecurity: 1.5, privacy: false}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    assert str(raised.value) == f"{config}:2: gate.{field}: 'privacy' expects a number, not the boolean false"


def test_booleans_stay_booleans(tmp_path: Path) -> None:
    config = tmp_path / "gate.yml"
    config.write_text("gate: {holm: true, false_refusal: {gate: true}}\nreport: {show_responses: true}\n")
    loaded = load_config(config)
    assert loaded.gate.holm and loaded.gate.false_refusal.gate and loaded.report.show_responses


@pytest.mark.parametrize(
    ("value", "message"),
    [
        # YAML 1.1 reads 1e9 as a string: it was "a duration is seconds or a string like 45s".
        ("1e9", "at most 604800 seconds (7 days), got 1,000,000,000"),
        ("1.0e9", "at most 604800 seconds (7 days), got 1,000,000,000"),
        ("1000000", "at most 604800 seconds (7 days), got 1,000,000"),
        ("200h", "at most 604800 seconds (7 days), got 720,000"),
        (".inf", "at most 604800 seconds (7 days), got infinity"),
        ("nan", "a duration is seconds or a string like 45s, 30m, 5h30m, not nan"),
        ("soon", "a duration is seconds or a string like 45s, 30m, 5h30m"),
    ],
)
def test_a_deadline_past_its_limit_names_the_limit(tmp_path: Path, value: str, message: str) -> None:
    config = tmp_path / "gate.yml"
    config.write_text(f"run:\n  deadline: {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    assert str(raised.value) == f"{config}:2: run.deadline: {message}"


@pytest.mark.parametrize(("value", "seconds"), [("1e4", 10_000.0), ("604800", 604_800.0), ("1h30m", 5400.0)])
def test_a_deadline_in_any_number_form_is_read(tmp_path: Path, value: str, seconds: float) -> None:
    config = tmp_path / "gate.yml"
    config.write_text(f"run: {{deadline: {value}}}\n", encoding="utf-8")
    assert load_config(config).run.deadline == seconds
