"""The learned part of the built-in judge (see ``model.py``)."""

from safety_regression.judges.learned.features import features
from safety_regression.judges.learned.model import LEARNED_VERSION, LearnedModel, shipped_model

__all__ = ["LEARNED_VERSION", "LearnedModel", "features", "shipped_model"]
