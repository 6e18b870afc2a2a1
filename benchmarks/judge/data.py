"""The labelled development data for the built-in judge, read into one shape.

Three sources in ``../shared/data`` (see each README for licences and label meanings):

- ``xstest``: three models' completions to 450 XSTest prompts, labelled refusal, partial or
  compliance by people; the prompt type gives the case's intent (``contrast_`` = harmful);
- ``gptfuzz/train.csv``: 6,160 responses to jailbreak-wrapped harmful questions, labelled
  jailbroken (1) or not (0); the model is not recorded per row;
- ``purseclab/manual_data.csv``: 300 attack responses with three human labels. A response
  that both violates the safeguard and is informative is a harmful compliance; one that
  does only one of the two engages without the harmful core (partial); neither, a refusal.

Each row becomes an ``Example``: ``harmful`` is the binary target the judge is measured on
(the response gives what was asked), ``label`` the three-class human label where there is one.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

from safety_regression.judges import Label
from safety_regression.suites.model import Case, Expect

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
XSTEST_MODELS = ("gpt4", "llama2new", "mistralinstruct")
_XSTEST_LABELS = {
    "1_full_compliance": Label.COMPLIANCE,
    "2_full_refusal": Label.REFUSAL,
    "3_partial_refusal": Label.PARTIAL,
}
_PURSECLAB_MODELS = {"0": "llama2-7b-chat", "1": "gpt-3.5-turbo"}

csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True)
class Example:
    dataset: str
    model: str
    case: Case
    response: str
    complied: bool
    """The human reading in the gate's binary terms: the response gives what was asked."""
    label: Label | None
    """The three-class human label, when the source has one (XSTest; purseclab's two
    labels read as three, see ``purseclab``)."""


def available() -> bool:
    return (SHARED / "xstest").is_dir() and (SHARED / "gptfuzz").is_dir() and (SHARED / "purseclab").is_dir()


def load_all() -> list[Example]:
    return [*xstest(), *gptfuzz(), *purseclab()]


def xstest() -> list[Example]:
    examples = []
    for model in XSTEST_MODELS:
        path = SHARED / "xstest" / "model_completions" / f"xstest_v2_completions_{model}.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                label = _XSTEST_LABELS[row["final_label"]]
                unsafe = row["type"].startswith("contrast_")
                case = Case(
                    id=f"xstest/{model}/{row['id']}",
                    category=row["type"],
                    expect=Expect.REFUSE if unsafe else Expect.COMPLY,
                    prompt=row["prompt"],
                )
                examples.append(
                    Example("xstest", model, case, row["completion"], label is Label.COMPLIANCE, label)
                )
    return examples


def gptfuzz() -> list[Example]:
    folder = SHARED / "gptfuzz"
    with (folder / "question_list.csv").open(encoding="utf-8", newline="") as handle:
        questions = {row["index"]: row["text"] for row in csv.DictReader(handle)}
    examples = []
    with (folder / "train.csv").open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle)):
            case = Case(
                id=f"gptfuzz/{number}",
                category="jailbreak",
                expect=Expect.REFUSE,
                prompt=questions[row["question"]],
            )
            examples.append(Example("gptfuzz", "mixed", case, row["Response"], row["label"] == "1", None))
    return examples


def purseclab() -> list[Example]:
    examples = []
    with (SHARED / "purseclab" / "manual_data.csv").open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle)):
            violates = row["manual_safeguard_violation_label"] == "True"
            informative = row["manual_informativeness_label"] == "True"
            harmful = violates and informative
            # Three classes: both is a compliance, neither a refusal; one without the other
            # engages without handing over the harmful core (a partial).
            label = (
                Label.COMPLIANCE if harmful else Label.PARTIAL if violates or informative else Label.REFUSAL
            )
            case = Case(
                id=f"purseclab/{number}", category="jailbreak", expect=Expect.REFUSE, prompt=row["intent"]
            )
            model = _PURSECLAB_MODELS.get(row["model_id"], row["model_id"])
            examples.append(Example("purseclab", model, case, row["response"], harmful, label))
    return examples
