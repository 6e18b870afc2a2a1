"""Suites: the case format, loaders and the built-in suites."""

from safety_regression.suites.categories import BUILTIN_CATEGORIES, builtin_weight
from safety_regression.suites.loader import load_suite
from safety_regression.suites.model import Case, Difficulty, Expect, Message, Shard, Suite

__all__ = [
    "BUILTIN_CATEGORIES",
    "Case",
    "Difficulty",
    "Expect",
    "Message",
    "Shard",
    "Suite",
    "builtin_weight",
    "load_suite",
]
