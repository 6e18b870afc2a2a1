"""Gate config loading: the documented shape is accepted, mistakes name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from safety_regression.config import (
    Config,
    EndpointConfig,
    StatTest,
    api_key,
    config_json_schema,
    load_config,
)
from safety_regression.errors import ConfigError, ExitCode

ISSUE_EXAMPLE = """\
suite: [builtin:standard]          # built-in suite names and/or paths to .jsonl/.yaml suite files
base:      {url: http://127.0.0.1:8000/v1, model: base-model, concurrency: 64}
finetuned: {url: http://127.0.0.1:8000/v1, model: my-finetune, api_key_env: FT_API_KEY, concurrency: 64}
baseline: .safety/baseline.json    # committed snapshot of the base model's results
gate: {alpha: 0.01, test: mcnemar} # mcnemar | fisher | ztest
"""


def write(tmp_path: Path, text: str, name: str = "gate.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_documented_shape_is_accepted(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ISSUE_EXAMPLE))
    assert config.suite == ["builtin:standard"]
    assert config.base is not None and config.base.concurrency == 64
    assert config.finetuned is not None and config.finetuned.api_key_env == "FT_API_KEY"
    assert config.gate.test is StatTest.MCNEMAR
    assert config.baseline == tmp_path / ".safety/baseline.json"


def test_relative_paths_resolve_from_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    config = load_config(write(tmp_path / "conf", "suite: [mine.jsonl, builtin:quick]\ncache: {dir: c}\n"))
    assert config.suite == [str(tmp_path / "conf/mine.jsonl"), "builtin:quick"]
    assert config.cache.dir == tmp_path / "conf/c"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gate:\n  alpha: 0.01\n  tets: fisher\n", "gate.yml:3: gate.tets: unknown key"),
        ("gate:\n  alpha: lots\n", "gate.yml:2: gate.alpha: Input should be a valid number"),
        (
            "gate:\n  test: bayes\n",
            "gate.yml:2: gate.test: Input should be 'mcnemar', 'fisher' or 'ztest'",
        ),
        ("base:\n  model: m\n", "gate.yml:1: base.url: required but missing"),
        (
            "finetuned: {url: ftp://x, model: m}\n",
            "gate.yml:1: finetuned.url: must start with http",
        ),
        (
            "sampling:\n  samples: 0\n",
            "gate.yml:2: sampling.samples: Input should be greater than or equal to 1",
        ),
    ],
)
def test_mistakes_name_file_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    message = str(caught.value)
    assert message.startswith(str(tmp_path)), message
    assert expected in message
    assert "\n" not in message
    assert caught.value.exit_code is ExitCode.USAGE


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"gate\.yml:3: not valid YAML"):
        load_config(write(tmp_path, "suite: [a]\ngate:\n  alpha: 0.01: x\n"))


def test_a_top_level_list_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"gate\.yml:1: a gate config is a YAML mapping"):
        load_config(write(tmp_path, "- a\n- b\n"))


def test_max_cost_without_any_price_is_refused_naming_its_line(tmp_path: Path) -> None:
    models = "finetuned: {url: http://h/v1, model: m}\nbase: {url: http://h/v1, model: b}\n"
    named = r"gate\.yml:3: run\.max_cost counts only priced endpoints, and base\.price and finetuned\.price "
    with pytest.raises(ConfigError, match=named) as caught:
        load_config(write(tmp_path, models + "run: {max_cost: 5}\n"))
    assert caught.value.exit_code == ExitCode.USAGE and "\n" not in str(caught.value)
    # Here a price on any endpoint (a model judge's too) is enough: which endpoints a run
    # asks is checked when it starts (tests/integration/test_cost.py).
    judge = "judge: {kind: llm, endpoint: {url: http://j/v1, model: j, price: {prompt: 1}}}\n"
    assert load_config(write(tmp_path, models + judge + "run: {max_cost: 5}\n")).run.max_cost == 5
    priced = models.replace("model: b}", "model: b, price: {completion: 2}}")
    assert load_config(write(tmp_path, priced + "run: {max_cost: 5}\n")).run.max_cost == 5
    # A judge endpoint its kind never asks is refused outright (it could price nothing).
    unused = "judge: {kind: rules, endpoint: {url: http://j/v1, model: j, price: {prompt: 1}}}\n"
    with pytest.raises(ConfigError, match=r"gate\.yml:3: judge\.endpoint: judge kind rules asks no model"):
        load_config(write(tmp_path, models + unused + "run: {max_cost: 5}\n"))


@pytest.mark.parametrize(
    ("judge", "line", "field", "message"),
    [
        (
            "judge:\n  kind: rules\n  endpoint: {url: http://j/v1, model: j}\n",
            3,
            "judge.endpoint",
            "judge kind rules asks no model, so this endpoint would be ignored: remove it, or set "
            "kind: llm, llama_guard or harmbench to have that model judge",
        ),
        (  # rules is the default kind
            "judge:\n  endpoint: {url: http://j/v1, model: j}\n",
            2,
            "judge.endpoint",
            "judge kind rules asks no model, so this endpoint would be ignored: remove it, or set "
            "kind: llm, llama_guard or harmbench to have that model judge",
        ),
        (
            "judge:\n  kind: vote\n  endpoint: {url: http://j/v1, model: j}\n"
            "  judges: [{kind: rules}, {kind: llm, endpoint: {url: http://j/v1, model: j}}]\n",
            3,
            "judge.endpoint",
            "a vote asks its members, so this endpoint would be ignored: give each model judge "
            "of judges: its own endpoint",
        ),
    ],
)
def test_a_judge_endpoint_its_kind_never_asks_is_refused(
    tmp_path: Path, judge: str, line: int, field: str, message: str
) -> None:
    # Found in review: {kind: rules, endpoint: ...} ignored the endpoint without a word.
    path = write(tmp_path, judge)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}:{line}: {field}: {message}"
    assert caught.value.exit_code == ExitCode.USAGE


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "absent.yml")


def test_inline_api_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="api_key is not allowed in the file"):
        load_config(write(tmp_path, "finetuned: {url: http://h/v1, model: m, api_key: sk-secret}\n"))


def test_api_key_comes_from_the_named_environment_variable() -> None:
    endpoint = EndpointConfig(url="http://h/v1", model="m", api_key_env="FT_KEY")
    assert api_key(endpoint, "finetuned", {"FT_KEY": "sk-1"}) == "sk-1"
    with pytest.raises(ConfigError, match=r"finetuned\.api_key_env: environment variable FT_KEY is not set"):
        api_key(endpoint, "finetuned", {})
    assert api_key(EndpointConfig(url="http://h/v1", model="m"), "base", {}) is None


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")).gate == Config().gate


def test_json_schema_is_current(tmp_path: Path) -> None:
    committed = Path(__file__).resolve().parents[2] / "docs" / "gate-config.schema.json"
    assert committed.read_text(encoding="utf-8") == config_json_schema(), (
        "regenerate with: safety-regression schema --output docs/gate-config.schema.json"
    )


def test_json_schema_accepts_the_example_and_rejects_unknown_keys() -> None:
    import jsonschema
    import yaml

    schema = __import__("json").loads(config_json_schema())
    jsonschema.validate(yaml.safe_load(ISSUE_EXAMPLE), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"gate": {"alpah": 0.01}}, schema)


DOCUMENTED_MODELS = '''
from pydantic import BaseModel, ConfigDict, Field

from safety_regression.config.base import field_docstrings


class Inner(BaseModel):
    """A nested model."""

    model_config = ConfigDict({config})

    size: int = 1
    """How big."""


class Outer(BaseModel):
    model_config = ConfigDict({config})

    plain: int
    """A documented field,
       over two lines."""
    explicit: str = Field("x", description="Given explicitly.")
    """Not this one: an explicit description wins."""
    named: int = Field(0, alias="other-name")
    """Documented under an alias."""
    inner: Inner
    """The nested one."""
    undocumented: bool = False
    def method(self) -> None:
        """Not a field's."""


class Child(Outer):
    extra: float = 0.0
    """Declared in the child."""
    plain: int = 3
'''


def _documented_module(tmp_path: Path, name: str, config: str, monkeypatch: pytest.MonkeyPatch) -> object:
    import importlib.util
    import sys

    path = tmp_path / f"{name}.py"
    path.write_text(DOCUMENTED_MODELS.format(config=config), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)  # inspect finds a class's source through it
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("model", ["Outer", "Child"])
@pytest.mark.parametrize("mode", ["validation", "serialization"])
def test_field_docstrings_give_the_schema_use_attribute_docstrings_gives(
    tmp_path: Path, model: str, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The config and result models read their field docstrings only when a schema is
    # generated (``field_docstrings``), not at import: the schema must be the same.
    eager = _documented_module(tmp_path, "eager_docs", "use_attribute_docstrings=True", monkeypatch)
    deferred = _documented_module(
        tmp_path, "deferred_docs", "json_schema_extra=field_docstrings", monkeypatch
    )
    expected = getattr(eager, model).model_json_schema(mode=mode)
    assert getattr(deferred, model).model_json_schema(mode=mode) == expected
    assert expected["properties"]["plain"].get("description") != "Not a field's."
    assert "description" in expected["$defs"]["Inner"]["properties"]["size"]


def test_no_config_model_reads_its_source_at_import() -> None:
    from pydantic import BaseModel

    from safety_regression import config

    sections = [
        value for value in vars(config).values() if isinstance(value, type) and issubclass(value, BaseModel)
    ]
    assert len(sections) > 10
    for section in sections:
        assert not section.model_config.get("use_attribute_docstrings"), section.__name__
