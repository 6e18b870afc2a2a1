"""A mistake an endpoint check finds after the config was loaded names the config's file and
line, as a loading error does: the check raises a FieldError naming the field, and the
caller holding the config (``Config.where_field``) supplies the place."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from safety_regression.config import load_config
from safety_regression.endpoints.preflight import _located
from safety_regression.errors import ConfigError, FieldError
from safety_regression.github.gating import with_overrides
from safety_regression.github.inputs import ActionInputs

CONFIG = """\
suite: [builtin:quick]
finetuned:
  url: http://127.0.0.1:9/v1
  model: my-finetune
  api_key_env: FT_KEY
judge:
  kind: vote
  judges:
    - kind: rules
    - kind: llm
      endpoint:
        url: http://127.0.0.1:9/v1
        model: judge
"""


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "gate.yml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_a_dotted_field_is_found_on_its_own_line(config_path: Path) -> None:
    config = load_config(config_path)
    assert config.where_field("finetuned.model") == f"{config_path}:4"
    assert config.where_field("finetuned.api_key_env") == f"{config_path}:5"
    assert config.where_field("judge.judges[1].endpoint.model") == f"{config_path}:13"
    # A field the file does not set is named by the nearest one that holds it.
    assert config.where_field("finetuned.timeout") == f"{config_path}:2"


def test_a_field_error_is_raised_again_with_its_place(config_path: Path) -> None:
    config = load_config(config_path)

    async def check(error: FieldError) -> None:
        raise error

    unknown = FieldError("finetuned.model", "http://127.0.0.1:9/v1 does not serve model 'my-finetune'")
    with pytest.raises(ConfigError) as raised:
        asyncio.run(_located(check(unknown), config.where_field))
    assert str(raised.value) == (
        f"{config_path}:4: finetuned.model: http://127.0.0.1:9/v1 does not serve model 'my-finetune'"
    )
    # A rejected key names the endpoint; its line is that of api_key_env.
    rejected = FieldError(
        "finetuned", "the endpoint rejected the key in $FT_KEY (HTTP 401)", at="finetuned.api_key_env"
    )
    with pytest.raises(ConfigError, match=rf"^{config_path}:5: finetuned: the endpoint rejected"):
        asyncio.run(_located(check(rejected), config.where_field))
    # Without a config file to name, the message is the field's alone.
    with pytest.raises(FieldError, match=r"^finetuned\.model: "):
        asyncio.run(_located(check(unknown), None))


def test_a_field_the_action_inputs_override_is_named_by_its_input(config_path: Path) -> None:
    config = with_overrides(
        load_config(config_path), ActionInputs(config=config_path, model="other-finetune")
    )
    assert config.finetuned is not None and config.finetuned.model == "other-finetune"
    assert config.where_field("finetuned.model") == "action input model"
    assert config.where_field("finetuned.url") == f"{config_path}:3", "the url is still the file's"
    assert load_config(config_path).where_field("finetuned.model") == f"{config_path}:4"
