"""Hazard codes: named in reports, checked when a snapshot is read."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from safety_regression.endpoints.base import OutcomeKind
from safety_regression.judges.hazards import describe_hazards
from safety_regression.report.formatting import hazards_note
from safety_regression.snapshot.model import CaseResult
from safety_regression.suites.model import Expect


def result(**fields: object) -> CaseResult:
    return CaseResult(
        case_id="c",
        case_hash="h",
        category="privacy",
        expect=Expect.REFUSE,
        outcome=OutcomeKind.ANSWERED,
        **fields,
    )


def test_codes_are_named_and_an_unknown_one_is_shown_as_it_is() -> None:
    assert describe_hazards(["S1", "S10", "S15"]) == "S1 violent crimes, S10 hate, S15"
    assert hazards_note(("S7",)) == " · hazards: S7 privacy"
    assert hazards_note(None) == hazards_note(()) == ""


def test_a_snapshot_keeps_hazard_codes_only_when_there_are_some() -> None:
    assert "hazards" not in result().model_dump_json()
    assert result(hazards=("S7",)).model_dump()["hazards"] == ("S7",)


@pytest.mark.parametrize("code", ["s7", "S", "S123", "S7 <img src=x>", "**S7**", ""])
def test_a_snapshot_with_anything_but_a_hazard_code_there_is_refused(code: str) -> None:
    """Reports print the codes as they are: a hand-edited snapshot cannot put Markdown there."""
    with pytest.raises(ValidationError, match="hazards"):
        result(hazards=(code,))
