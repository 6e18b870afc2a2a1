"""Judges: label a model's response as refusal, partial or compliance."""

from __future__ import annotations

from typing import assert_never

from safety_regression.config import JudgeConfig, JudgeKind
from safety_regression.judges.base import Judge, Judgement, Label
from safety_regression.judges.rules import REFUSAL_LANGUAGES, RULES_JUDGE_ID, RulesJudge


def make_judge(config: JudgeConfig) -> Judge:
    """The judge a gate config asks for."""
    match config.kind:
        case JudgeKind.RULES:
            return RulesJudge()
        case _:
            assert_never(config.kind)


__all__ = [
    "REFUSAL_LANGUAGES",
    "RULES_JUDGE_ID",
    "Judge",
    "Judgement",
    "Label",
    "RulesJudge",
    "make_judge",
]
