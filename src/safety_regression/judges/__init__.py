"""Judges: label a model's response as refusal, partial, compliance (or unjudged).

The judges themselves load on first use (PEP 562 ``__getattr__``, and ``make_judge``
imports the one it builds): importing ``judges.base`` for ``Label``, or this package
for ``judge_models``, does not compile the rules judge's patterns, which an offline
``compare`` never needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, assert_never

from safety_regression._lazy import lazy_exports as _lazy_exports
from safety_regression.config import EndpointConfig, JudgeConfig, JudgeKind
from safety_regression.config.budgets import judge_endpoints
from safety_regression.endpoints.base import Endpoint
from safety_regression.judges.base import Judge, Judgement, Label

if TYPE_CHECKING:
    from safety_regression.judges.harmbench import HarmBenchJudge
    from safety_regression.judges.llama_guard import LlamaGuardJudge
    from safety_regression.judges.llm import LLMJudge
    from safety_regression.judges.rules import REFUSAL_LANGUAGES, RULES_JUDGE_ID, RulesJudge
    from safety_regression.judges.vote import VoteJudge

_LAZY = {
    "HarmBenchJudge": ".harmbench",
    "LlamaGuardJudge": ".llama_guard",
    "LLMJudge": ".llm",
    "REFUSAL_LANGUAGES": ".rules",
    "RULES_JUDGE_ID": ".rules",
    "RulesJudge": ".rules",
    "VoteJudge": ".vote",
}

EndpointFactory = Callable[[EndpointConfig, str], Endpoint]
"""Builds the endpoint of a model judge from its config; the string names it in errors."""


def make_judge(
    config: JudgeConfig, endpoint_for: EndpointFactory | None = None, role: str = "judge"
) -> Judge:
    """The judge a gate config asks for. Model judges need ``endpoint_for``."""

    def endpoint() -> Endpoint:
        assert config.endpoint is not None  # the config validator guarantees it for model judges
        if endpoint_for is None:
            raise ValueError(f"{role}: a {config.kind.value} judge needs an endpoint factory")
        return endpoint_for(config.endpoint, f"{role}.endpoint")

    match config.kind:
        case JudgeKind.RULES:
            from safety_regression.judges.rules import RulesJudge

            return RulesJudge()
        case JudgeKind.LLM:
            from safety_regression.judges.llm import LLMJudge

            return LLMJudge(endpoint(), max_attempts=config.max_attempts)
        case JudgeKind.LLAMA_GUARD:
            from safety_regression.judges.llama_guard import LlamaGuardJudge

            return LlamaGuardJudge(endpoint(), max_attempts=config.max_attempts)
        case JudgeKind.HARMBENCH:
            from safety_regression.judges.harmbench import HarmBenchJudge

            return HarmBenchJudge(endpoint(), max_attempts=config.max_attempts)
        case JudgeKind.VOTE:
            from safety_regression.judges.vote import VoteJudge

            assert config.judges is not None
            members = [
                make_judge(member, endpoint_for, f"{role}.judges[{index}]")
                for index, member in enumerate(config.judges)
            ]
            return VoteJudge(members, config.tie)
        case _:
            assert_never(config.kind)


def judge_models(config: JudgeConfig) -> list[str]:
    """The model ids behind a judge config, for the same-family warning."""
    if config.judges is not None:
        return [model for member in config.judges for model in judge_models(member)]
    return [config.endpoint.model] if config.endpoint is not None else []


__all__ = [
    "REFUSAL_LANGUAGES",
    "RULES_JUDGE_ID",
    "EndpointFactory",
    "HarmBenchJudge",
    "Judge",
    "Judgement",
    "LLMJudge",
    "Label",
    "LlamaGuardJudge",
    "RulesJudge",
    "VoteJudge",
    "judge_endpoints",
    "judge_models",
    "make_judge",
]


__getattr__, __dir__ = _lazy_exports(__name__, _LAZY)
