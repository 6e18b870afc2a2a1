"""The pure input checks: gate category names against a suite, key-variable names, margin
and its old name, outputs that would overwrite an input."""

from __future__ import annotations

from pathlib import Path

import pytest

from safety_regression.config import Config, EndpointConfig, GateSettings, api_key, load_config
from safety_regression.config.categories import check_gate_categories
from safety_regression.errors import ConfigError, SuiteError
from safety_regression.outputs import check_not_inputs, check_spares_inputs, config_inputs
from safety_regression.pipeline.assembly import config_suite
from safety_regression.suites import load_suite

HARM = {"cybersecurity", "privacy", "self_harm"}


def gate_config(tmp_path: Path, gate: str) -> Config:
    path = tmp_path / "gate.yml"
    path.write_text(f"suite: [builtin:quick]\ngate:\n{gate}", encoding="utf-8")
    return load_config(path)


def test_a_misspelt_gating_category_names_its_line_and_the_nearest_category(tmp_path: Path) -> None:
    config = gate_config(tmp_path, "  alpha: 0.05\n  gating_categories:\n    - privacy\n    - cybersecurty\n")
    with pytest.raises(ConfigError) as raised:
        check_gate_categories(config, HARM)
    assert str(raised.value) == (
        f"{tmp_path / 'gate.yml'}:6: gate.gating_categories: 'cybersecurty' is not a category of the "
        "suite; did you mean 'cybersecurity'?"
    )


def test_a_retired_category_says_what_replaced_it(tmp_path: Path) -> None:
    from safety_regression.suites.categories import RETIRED_CATEGORIES

    config = gate_config(tmp_path, "  gating_categories: [privacy, domain_specific]\n")
    with pytest.raises(ConfigError) as raised:
        check_gate_categories(config, HARM, (), RETIRED_CATEGORIES)
    assert str(raised.value).endswith(
        "gate.gating_categories: 'domain_specific' is a retired built-in category (split in suite "
        "version 2026.12.0 into the domain packs "
        + RETIRED_CATEGORIES["domain_specific"].rsplit("packs ", 1)[1]
        + "); name those instead"
    )


def test_every_unknown_weight_and_share_is_one_line(tmp_path: Path) -> None:
    config = gate_config(
        tmp_path, "  category_weights:\n    benign_mix: 2\n    privacy: 3\n  distribution:\n    zzz: 1\n"
    )
    with pytest.raises(ConfigError) as raised:
        check_gate_categories(config, HARM, {"benign_mix"})
    lines = str(raised.value).splitlines()
    assert len(lines) == 2
    assert lines[0].endswith(
        ":4: gate.category_weights: 'benign_mix' is a category of the suite without harmful prompts "
        "(expect: refuse); only those are gated"
    )
    assert lines[1].endswith(
        ":7: gate.distribution: 'zzz' is not a category of the suite; its harm categories: "
        "cybersecurity, privacy, self_harm"
    )


def test_names_of_the_suite_pass_and_an_empty_gating_list_gates_nothing(tmp_path: Path) -> None:
    check_gate_categories(gate_config(tmp_path, "  gating_categories: [privacy]\n"), HARM)
    check_gate_categories(Config(), HARM)
    with pytest.raises(
        ConfigError, match=r"gate\.yml:3: gate\.gating_categories: an empty list gates nothing"
    ):
        check_gate_categories(gate_config(tmp_path, "  gating_categories: []\n"), HARM)
    # Gating false refusals only is a gate that can still fail.
    check_gate_categories(
        gate_config(tmp_path, "  gating_categories: []\n  false_refusal: {gate: true}\n"), HARM
    )
    built = Config(gate=GateSettings(gating_categories=[]))
    with pytest.raises(ConfigError, match=r"^the config: gate\.gating_categories: an empty list"):
        check_gate_categories(built, HARM)


def test_margin_and_target_drop_are_one_setting() -> None:
    assert GateSettings.model_validate({"target_drop": 0.05}).margin == 0.05
    with pytest.raises(ValueError, match=r"give one of gate\.margin and gate\.target_drop"):
        GateSettings.model_validate({"target_drop": 0.05, "margin": 0.1})


@pytest.mark.parametrize("name", ["OPENAI_API_KEY", "hf_token", "my-key.v2", "SK_LIVE_KEY_FOR_PRODUCTION_2"])
def test_variable_names_that_are_words_are_accepted(name: str) -> None:
    assert EndpointConfig(url="http://h/v1", model="m", api_key_env=name).api_key_env == name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "sk-live-abcdef123456",
            r"is not an environment variable name \(it looks like a key: put the key in",
        ),
        # Keys shaped like variable names (Hugging Face, GitHub, Groq): refused, never echoed.
        ("hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", r"it looks like a key"),
        ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", r"it looks like a key"),
        ("gsk_abcdefghijklmnopqrstuvwx1", r"it looks like a key"),
        ("$hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", r"it looks like a key"),
        ("$FT_KEY", r"drop the \$: write the variable's name alone \(api_key_env: FT_KEY\)"),
        ("${FT_KEY}", r"drop the \$"),
        ("FT KEY", r"is not an environment variable name \(letters, digits and _"),
        ("1KEY", "is not an environment variable name"),
    ],
)
def test_api_key_env_must_be_a_variable_name_and_is_never_echoed(
    tmp_path: Path, value: str, expected: str
) -> None:
    path = tmp_path / "gate.yml"
    path.write_text(
        f"finetuned:\n  url: http://h/v1\n  model: m\n  api_key_env: '{value}'\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=expected) as raised:
        load_config(path)
    assert str(raised.value).startswith(f"{path}:4: finetuned.api_key_env: ")
    assert value not in str(raised.value).replace("FT_KEY)", "")


def test_an_empty_key_variable_is_empty_not_unset() -> None:
    endpoint = EndpointConfig(url="http://h/v1", model="m", api_key_env="FT_KEY")
    with pytest.raises(ConfigError, match="environment variable FT_KEY is empty"):
        api_key(endpoint, "finetuned", {"FT_KEY": "  "})
    with pytest.raises(ConfigError, match="environment variable FT_KEY is not set"):
        api_key(endpoint, "finetuned", {})


KEY = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123456789"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{KEY}: 1\n", r"gate\.yml:2: \(key-shaped name\): unknown key shaped like an API key"),
        (f"finetuned: {{url: 'http://h/v1', model: m, {KEY}: x}}\n", r"gate\.yml:2: finetuned\.\(key-shaped"),
        (
            f"{KEY}: 1\n{KEY}: 2\n",
            r"gate\.yml:3: not valid YAML: duplicate key \(a name shaped like an API",
        ),
    ],
)
def test_a_key_pasted_as_a_yaml_key_is_refused_without_being_echoed(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "gate.yml"
    path.write_text("suite: [builtin:quick]\n" + text, encoding="utf-8")
    with pytest.raises(ConfigError, match=expected) as raised:
        load_config(path)
    assert KEY not in str(raised.value) and KEY[:12] not in str(raised.value)


def test_a_key_pasted_as_a_gating_category_is_not_echoed(tmp_path: Path) -> None:
    config = gate_config(tmp_path, f"  gating_categories: [{KEY}]\n")
    with pytest.raises(ConfigError, match="a name shaped like an API key, not repeated") as raised:
        check_gate_categories(config, HARM)
    assert KEY[:12] not in str(raised.value)


def test_a_missing_key_variable_names_the_line_that_names_it(tmp_path: Path) -> None:
    path = tmp_path / "gate.yml"
    path.write_text(
        "suite: [builtin:quick]\njudge:\n  kind: vote\n  judges:\n    - {kind: rules}\n"
        "    - kind: llm\n      endpoint: {url: 'http://h/v1', model: j, api_key_env: JUDGE_KEY}\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.judge.judges is not None
    endpoint = config.judge.judges[1].endpoint
    assert endpoint is not None
    with pytest.raises(ConfigError) as raised:
        api_key(endpoint, "judge.judges[1].endpoint", {}, config.where)
    assert str(raised.value) == (
        f"{path}:7: judge.judges[1].endpoint.api_key_env: environment variable JUDGE_KEY is not set; "
        "export it or remove api_key_env"
    )


def test_an_output_that_is_an_input_is_refused(tmp_path: Path) -> None:
    (tmp_path / "suites").mkdir()
    path = tmp_path / "gate.yml"
    path.write_text("suite: [suites/report.md, builtin:quick]\nbaseline: out/reference.snapshot.json\n")
    config = load_config(path)
    inputs = config_inputs(config)
    assert [name for name, _ in inputs] == [
        "the config file",
        "a suite file of the config",
        "the config's baseline snapshot",
    ]
    with pytest.raises(ConfigError, match=r"^--output .*gate\.yml: is the config file"):
        check_not_inputs([tmp_path / "x" / ".." / "gate.yml"], inputs, "--output")
    with pytest.raises(ConfigError, match=r"report\.md: is a suite file of the config"):
        check_spares_inputs(tmp_path / "suites", inputs)
    with pytest.raises(ConfigError, match=r"is the config's baseline snapshot"):
        check_spares_inputs(tmp_path / "out", inputs)
    check_spares_inputs(tmp_path / "elsewhere", inputs)
    # ``baseline`` writes the baseline: that one is its output, not an input.
    check_not_inputs(
        [tmp_path / "out/reference.snapshot.json"], config_inputs(config, baseline=False), "baseline"
    )


def test_two_nested_tiers_name_the_config_line_not_a_package_file(tmp_path: Path) -> None:
    path = tmp_path / "gate.yml"
    path.write_text("suite:\n  - builtin:standard\n  - builtin:capability\n  - builtin:quick\n")
    with pytest.raises(SuiteError) as raised:
        config_suite(load_config(path))
    assert (
        str(raised.value)
        == f"{path}:4: suite: builtin:quick is contained in builtin:standard; list one of them"
    )
    path.write_text("suite: [builtin:capability, builtin:capability]\n")
    with pytest.raises(SuiteError, match=r"gate\.yml:1: suite: builtin:capability is listed twice"):
        config_suite(load_config(path))
    with pytest.raises(SuiteError, match=r"^suite: builtin:comprehensive is contained in builtin:research"):
        load_suite(["builtin:research", "builtin:comprehensive"])


def test_a_missing_suite_file_names_the_config_line_that_lists_it(tmp_path: Path) -> None:
    path = tmp_path / "gate.yml"
    path.write_text("suite:\n  - builtin:quick\n  - suites/missing.jsonl\n", encoding="utf-8")
    with pytest.raises(SuiteError) as raised:
        config_suite(load_config(path))
    assert str(raised.value) == f"{path}:3: suite: {tmp_path / 'suites/missing.jsonl'}: no such file"


@pytest.mark.parametrize(
    "key",
    [
        "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
        "AKIAIOSFODNN7EXAMPLE",
        "nvapi-abcdefghijklmnop1234567890",
        "0123456789abcdef0123456789abcdef",
    ],
)
def test_google_aws_nvidia_and_hex_keys_pasted_as_names_are_not_echoed(tmp_path: Path, key: str) -> None:
    # Found in review: these shapes passed as names and were repeated in the error.
    path = tmp_path / "gate.yml"
    path.write_text(f"suite: [builtin:quick]\n{key}: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert key not in str(raised.value) and "key-shaped" in str(raised.value)
    path.write_text(f"suite: [builtin:quick, {key}]\n", encoding="utf-8")
    with pytest.raises(SuiteError) as missing:
        config_suite(load_config(path))
    assert key not in str(missing.value) and "shaped like an API key" in str(missing.value)
