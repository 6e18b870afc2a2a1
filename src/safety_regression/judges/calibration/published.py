"""The built-in judge's own measured error rates, shipped with it.

``benchmarks/judge/evaluate.py --error-rates`` measures the default judge on held-out folds
of its development data (each model's responses judged by a learned part trained without
them) and writes one ``JudgeErrorRates`` per dataset and model. The file ships in the
package; ``published_error_rates()`` reads it. A calibration on a user's own labels
(``safety-regression calibrate`` and ``judge.calibration``) describes the user's models
better and takes precedence wherever both exist.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

from safety_regression.judges.calibration.error_rates import JudgeErrorRates

PUBLISHED_FILE = "error_rates.json"


class PublishedErrorRates(BaseModel):
    """Error rates of one judge, per development slice (``dataset/model``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    judge: str
    protocol: str
    """How the figures were held out, in words."""
    by_slice: dict[str, JudgeErrorRates]


@cache
def published_error_rates() -> PublishedErrorRates:
    """The shipped error rates of the default built-in judge."""
    text = resources.files("safety_regression.judges.learned").joinpath(PUBLISHED_FILE).read_text("utf-8")
    return PublishedErrorRates.model_validate_json(text)
