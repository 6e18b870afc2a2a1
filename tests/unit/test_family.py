"""Model families from model ids, and the same-family judge warning."""

from __future__ import annotations

import pytest

from safety_regression.judges.family import model_family, same_family_warnings


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        ("meta-llama/Llama-Guard-3-8B", "llama"),
        ("meta-llama/Meta-Llama-3.1-8B-Instruct", "llama"),
        ("llama3.1:8b", "llama"),
        ("codellama/CodeLlama-7b-hf", "llama"),
        ("cognitivecomputations/dolphin-2.9-llama3-8b", "llama"),
        ("accounts/fireworks/models/llama-v3p1-8b-instruct", "llama"),
        ("mistralai/Mistral-7B-Instruct-v0.3", "mistral"),
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", "mistral"),
        ("TheBloke/Mistral-7B-GGUF", "mistral"),
        ("mistralai/Ministral-8B-Instruct-2410", "mistral"),
        ("Qwen/Qwen2.5-7B-Instruct", "qwen"),
        ("qwen2.5:7b", "qwen"),
        ("Qwen/QwQ-32B", "qwen"),
        ("google/gemma-2-9b-it", "gemma"),
        ("google/shieldgemma-2b", "gemma"),
        ("gemini-1.5-pro", "gemini"),
        ("microsoft/Phi-3-mini-4k-instruct", "phi"),
        ("phi3:mini", "phi"),
        ("gpt-4o-mini", "gpt"),
        ("gpt-3.5-turbo", "gpt"),
        ("chatgpt-4o-latest", "gpt"),
        ("openai/gpt-oss-20b", "gpt"),
        ("o1", "gpt"),
        ("o3-mini", "gpt"),
        ("openai/o4-mini-high", "gpt"),
        ("claude-3-5-sonnet-20240620", "claude"),
        ("anthropic.claude-3-haiku-20240307-v1:0", "claude"),
        ("deepseek-ai/DeepSeek-V3", "deepseek"),
        ("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "deepseek"),  # the first family named wins
        ("command-r-plus", "command"),
        ("CohereForAI/c4ai-command-r-v01", "command"),
        ("tiiuae/falcon-7b-instruct", "falcon"),
        ("01-ai/Yi-34B-Chat", "yi"),
        ("allenai/OLMo-2-1124-7B-Instruct", "olmo"),
        ("ibm-granite/granite-3.0-8b-instruct", "granite"),
        ("EleutherAI/gpt-j-6b", "eleuther"),
        ("EleutherAI/gpt-neox-20b", "eleuther"),
    ],
)
def test_known_families(model_id: str, family: str) -> None:
    assert model_family(model_id) == family


@pytest.mark.parametrize(
    "model_id",
    [
        "my-finetune",
        "ollama",  # "llama" glued inside another word
        "cognitivecomputations/dolphin-2.9",  # "phi" inside "dolphin"
        "my-o1-model",  # the o-series is a name of its own, not any "o1" inside one
        "",
    ],
)
def test_unknown_or_lookalike_ids_have_no_family(model_id: str) -> None:
    assert model_family(model_id) is None


def test_one_warning_per_shared_family() -> None:
    warnings = same_family_warnings(
        ["meta-llama/Llama-Guard-3-8B", "gpt-4o-mini"],
        ["meta-llama/Llama-3.1-8B-Instruct", "acme/llama-3.1-8b-support", "gpt-4o"],
    )
    assert warnings == [
        "The judge model 'meta-llama/Llama-Guard-3-8B' is from the same family (llama) as the "
        "evaluated models 'meta-llama/Llama-3.1-8B-Instruct' and 'acme/llama-3.1-8b-support'; "
        "a judge may be lenient with its own family — consider a judge from another family or a vote.",
        "The judge model 'gpt-4o-mini' is from the same family (gpt) as the evaluated model 'gpt-4o'; "
        "a judge may be lenient with its own family — consider a judge from another family or a vote.",
    ]


def test_no_warning_across_families_or_for_unknown_models() -> None:
    assert same_family_warnings(["claude-3-5-haiku"], ["Qwen/Qwen2.5-7B", "my-finetune"]) == []
    assert same_family_warnings(["my-judge"], ["my-finetune"]) == []
    assert same_family_warnings([], ["gpt-4o"]) == []


def test_a_model_listed_twice_is_named_once() -> None:
    (warning,) = same_family_warnings(["gpt-4o", "gpt-4o", "o3-mini"], ["gpt-4o-mini", "gpt-4o-mini"])
    assert warning.startswith("The judge models 'gpt-4o' and 'o3-mini' are from the same family (gpt)")
    assert "the evaluated model 'gpt-4o-mini';" in warning
