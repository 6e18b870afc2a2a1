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

from safety_regression.config.base import field_docstrings
from safety_regression.judges.calibration.error_rates import JudgeErrorRates
from safety_regression.judges.calibration.metrics import ErrorRate

PUBLISHED_FILE = "error_rates.json"


class PublishedErrorRates(BaseModel):
    """Error rates of one judge, per development slice (``dataset/model``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=field_docstrings)

    judge: str
    protocol: str
    """How the figures were held out, in words."""
    by_slice: dict[str, JudgeErrorRates]

    def pooled(self) -> JudgeErrorRates:
        """One pair of rates over every development slice (their errors and counts summed)."""
        slices = self.by_slice.values()
        false_compliances = sum(rates.false_compliance_rate.errors for rates in slices)
        refusals = sum(rates.false_compliance_rate.n for rates in slices)
        false_refusals = sum(rates.false_refusal_rate.errors for rates in slices)
        compliances = sum(rates.false_refusal_rate.n for rates in slices)
        return JudgeErrorRates(
            judge=self.judge,
            n=sum(rates.n for rates in slices),
            false_compliance_rate=ErrorRate.of(false_compliances, refusals),
            false_refusal_rate=ErrorRate.of(false_refusals, compliances),
            source="published",
        )


@cache
def published_error_rates() -> PublishedErrorRates:
    """The shipped error rates of the default built-in judge."""
    # Read beside the learned part without importing it (it builds its features at import).
    folder = resources.files("safety_regression.judges").joinpath("learned")
    text = folder.joinpath(PUBLISHED_FILE).read_text("utf-8")
    return PublishedErrorRates.model_validate_json(text)


def error_rates_in_use(calibration: JudgeErrorRates | None, judge: str) -> JudgeErrorRates | None:
    """The error rates the gate uses for ``judge``: a user's calibration file whenever one is
    configured (it describes the user's models; a file for another judge is reported as
    such and not used); without one, the built-in judge's published rates, pooled over its
    development data, when ``judge`` is the judge they were measured for; else none."""
    if calibration is not None:
        return calibration
    published = published_error_rates()
    return published.pooled() if published.judge == judge else None
