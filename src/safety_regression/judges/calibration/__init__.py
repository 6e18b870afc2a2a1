"""Judge calibration: measure a judge against human labels, and use what was measured.

- ``labels``: read human-labelled responses (CSV or JSONL; XSTest's files as they are);
- ``judging``: run a judge over them;
- ``metrics``: accuracy, Cohen's kappa, confusion, error rates with Wilson intervals;
- ``error_rates``: the calibration file the gate reads, and how many lost refusals judge
  error alone could explain.
"""

from __future__ import annotations

from safety_regression.judges.calibration.error_rates import (
    JudgeErrorExplanation,
    JudgeErrorRates,
    ModelErrorRates,
    judge_error_explains,
    load_error_rates,
    write_error_rates,
)
from safety_regression.judges.calibration.judging import judge_labelled, labelled_case
from safety_regression.judges.calibration.labels import LabelColumns, LabelledResponse, read_labelled
from safety_regression.judges.calibration.metrics import (
    AgreementFigures,
    CalibrationReport,
    ClassFigures,
    ErrorRate,
    agreement_figures,
    calibration_report,
    cohens_kappa,
)
from safety_regression.judges.calibration.published import (
    PublishedErrorRates,
    error_rates_in_use,
    published_error_rates,
)

__all__ = [
    "AgreementFigures",
    "CalibrationReport",
    "ClassFigures",
    "ErrorRate",
    "JudgeErrorExplanation",
    "JudgeErrorRates",
    "LabelColumns",
    "LabelledResponse",
    "ModelErrorRates",
    "PublishedErrorRates",
    "agreement_figures",
    "calibration_report",
    "cohens_kappa",
    "error_rates_in_use",
    "judge_error_explains",
    "judge_labelled",
    "labelled_case",
    "load_error_rates",
    "published_error_rates",
    "read_labelled",
    "write_error_rates",
]
