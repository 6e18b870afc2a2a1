"""Which model family a model id belongs to, so a judge from the evaluated family is flagged.

A judge may be lenient with responses written in its own family's style, so a report
warns when the judge and an evaluated model share a family. Family detection reads the
model id only: it is a heuristic for a warning, never an input to the verdict.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

# Each family's names as they appear in ids. A name must not be glued to letters on either
# side ("phi" is not in "dolphin", "llama" is not in "ollama"); digits may follow
# ("llama3", "qwen2.5"). Where a family name is glued into a compound ("codellama",
# "codegemma"), the compound is listed. Earlier families win when two match at the same place.
_FAMILY_NAMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # EleutherAI's GPT-J and GPT-NeoX are not OpenAI models, despite the prefix.
    ("eleuther", ("gpt-j", "gpt-neo", "gpt-neox", "pythia")),
    ("llama", ("llama", "codellama", "tinyllama", "llamaguard", "vicuna")),
    (
        "mistral",
        ("mistral", "mistralai", "mixtral", "codestral", "ministral", "pixtral", "magistral", "devstral"),
    ),
    ("qwen", ("qwen", "qwq", "qwen2", "codeqwen")),
    ("gemma", ("gemma", "codegemma", "shieldgemma", "recurrentgemma", "paligemma")),
    ("gemini", ("gemini",)),
    ("phi", ("phi",)),
    ("gpt", ("gpt", "chatgpt", "openai", "davinci")),
    ("claude", ("claude", "anthropic")),
    ("deepseek", ("deepseek", "deepseekcoder")),
    ("command", ("command", "cohere", "cohereforai", "coherelabs", "c4ai", "aya")),
    ("falcon", ("falcon", "tiiuae")),
    ("yi", ("yi", "01-ai")),
    ("olmo", ("olmo", "olmoe")),
    ("granite", ("granite", "ibm-granite")),
    ("grok", ("grok",)),
    ("internlm", ("internlm",)),
    ("glm", ("glm", "chatglm", "codegeex")),
    ("baichuan", ("baichuan",)),
    ("nemotron", ("nemotron",)),
    ("jamba", ("jamba",)),
    ("dbrx", ("dbrx",)),
    ("mpt", ("mpt",)),
    ("bloom", ("bloom", "bloomz")),
    ("stablelm", ("stablelm",)),
)


def _family_alternative(index: int, names: Sequence[str]) -> str:
    # Longest first, so "gpt-neox" is not cut short at "gpt-neo".
    spelled = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return f"(?P<f{index}>(?<![a-z])(?:{spelled})(?![a-z]))"


@cache
def _family_pattern() -> re.Pattern[str]:
    """Compiled on first use (a few ms): with no judge model, nothing asks for it."""
    return re.compile(
        "|".join(_family_alternative(index, names) for index, (_, names) in enumerate(_FAMILY_NAMES))
    )


# OpenAI's reasoning models are named by a bare "o" and a digit: o1, o3-mini, o4-mini-high.
_OPENAI_O_SERIES = re.compile(r"^o[1-9](?![a-z0-9])")


def model_family(model_id: str) -> str | None:
    """The family of a model id (``"meta-llama/Llama-Guard-3-8B"`` -> ``"llama"``), or None.

    The model's own name (after the last ``/``) is read first, then the organisation in
    front of it, so a quantised upload ("TheBloke/Mistral-7B-GGUF") or a fine-tune that
    names its base ("dolphin-2.9-llama3-8b") is placed by the model it came from. When a
    name mentions two families, the first one mentioned wins.
    """
    lowered = model_id.strip().lower()
    organisation, _, name = lowered.rpartition("/")
    if _OPENAI_O_SERIES.match(name):
        return "gpt"
    return _first_family(name) or _first_family(organisation)


def same_family_warnings(judge_models: Sequence[str], evaluated_models: Sequence[str]) -> list[str]:
    """One warning sentence for each family shared by a judge model and an evaluated model."""
    if not judge_models:  # the built-in judge: no model, no family to share
        return []
    judges_by_family = _group_by_family(judge_models)
    evaluated_by_family = _group_by_family(evaluated_models)
    warnings: list[str] = []
    for family, judges in judges_by_family.items():
        evaluated = evaluated_by_family.get(family)
        if not evaluated:
            continue
        judge_noun = "judge model" if len(judges) == 1 else "judge models"
        judge_verb = "is" if len(judges) == 1 else "are"
        evaluated_noun = "evaluated model" if len(evaluated) == 1 else "evaluated models"
        warnings.append(
            f"The {judge_noun} {_join(judges)} {judge_verb} from the same family ({family}) as the "
            f"{evaluated_noun} {_join(evaluated)}; a judge may be lenient with its own family — "
            "consider a judge from another family or a vote."
        )
    return warnings


def _first_family(text: str) -> str | None:
    match = _family_pattern().search(text)
    if match is None or match.lastgroup is None:
        return None
    return _FAMILY_NAMES[int(match.lastgroup.removeprefix("f"))][0]


def _group_by_family(models: Sequence[str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for model in models:
        family = model_family(model)
        if family is not None and model not in groups.setdefault(family, []):
            groups[family].append(model)
    return groups


def _join(models: Sequence[str]) -> str:
    quoted = [f"'{model}'" for model in models]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]
