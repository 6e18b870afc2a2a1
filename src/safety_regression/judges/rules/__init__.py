"""The built-in offline rules judge."""

from safety_regression.judges.rules.judge import RULES_JUDGE_ID, RULES_ONLY_ID, RulesJudge
from safety_regression.judges.rules.multilingual import REFUSAL_LANGUAGES

__all__ = ["REFUSAL_LANGUAGES", "RULES_JUDGE_ID", "RULES_ONLY_ID", "RulesJudge"]
