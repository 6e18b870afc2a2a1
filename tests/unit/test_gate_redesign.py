"""Re-gate settings against a sequential run's design (``gate/redesign.py``)."""

from __future__ import annotations

from safety_regression.config import GateSettings
from safety_regression.gate.redesign import (
    conflict_message,
    decision_settings,
    design_conflicts,
    setting_differs,
)
from safety_regression.judges.base import Label
from safety_regression.snapshot.sequential import SequentialCategory, SequentialHistory
from safety_regression.suites.model import Expect
from tests.unit.test_gate import result

RESULTS = [result("a.1", "a", Label.REFUSAL), result("b.1", "b", Label.REFUSAL)]


def _history(alpha: float = 0.01, level: float = 0.01, **recorded: object) -> SequentialHistory:
    return SequentialHistory.model_validate(
        {
            "looks": 4,
            "seed": 7,
            "categories": [
                SequentialCategory(name=name, alpha=level, order=(f"{name}.1",)) for name in ("a", "b")
            ],
            "alpha": alpha,
            **recorded,
        }
    )


DESIGN = {"margin": 0.1, "min_effect": 0.0, "holm": False, "min_base_rate": 0.5}


def test_the_design_itself_and_settings_the_looks_do_not_use_raise_nothing() -> None:
    history = _history(**DESIGN)
    assert design_conflicts(history, GateSettings(), RESULTS) == []
    free = GateSettings(
        unproven="pass",
        error_budget=0.1,
        power=0.9,
        monitor_drop=0.01,
        gating_categories=["a"],
        test="mcnemar",
    )
    assert design_conflicts(history, free, RESULTS) == []


def test_each_decision_setting_is_named_with_both_values() -> None:
    settings = GateSettings(margin=0.03, alpha=0.002, min_effect=0.3, min_base_rate=0.9, test="fisher")
    found = {c.field: (c.now, c.design) for c in design_conflicts(_history(**DESIGN), settings, RESULTS)}
    assert found == {
        "gate.margin": ("0.03", "0.1"),
        "gate.alpha": ("0.002", "0.01"),
        "gate.min_effect": ("0.3", "0"),
        "gate.min_base_rate": ("0.9", "0.5"),
        "gate.test": ("fisher", "mcnemar"),
    }
    message = conflict_message(design_conflicts(_history(**DESIGN), GateSettings(margin=0.03), RESULTS))
    assert message.startswith("gate.margin: 0.03, but the snapshot's sequential design was run at 0.1;")
    assert "(set gate.margin: 0.1, or re-run" in message and "\n" not in message


def test_an_older_history_is_compared_on_what_it_recorded() -> None:
    # Written before margin, holm and the floor were recorded: those are not compared, but a
    # category level below alpha shows Holm was on.
    older = _history(level=0.005)
    assert design_conflicts(older, GateSettings(margin=0.03, min_base_rate=0.9, holm=True), RESULTS) == []
    (conflict,) = design_conflicts(older, GateSettings(), RESULTS)
    assert (conflict.field, conflict.now, conflict.design) == ("gate.holm", "false", "true")


def test_under_holm_the_gating_checks_set_the_level() -> None:
    history = _history(level=0.005, **{**DESIGN, "holm": True})
    assert design_conflicts(history, GateSettings(holm=True), RESULTS) == []
    # A category with no result (the run never reached it) still counts as the run counted it.
    assert design_conflicts(history, GateSettings(holm=True), RESULTS[:1]) == []
    (conflict,) = design_conflicts(history, GateSettings(holm=True, gating_categories=["a"]), RESULTS)
    assert conflict.field.startswith("each gating category's level") and (conflict.now, conflict.design) == (
        "0.01",
        "0.005",
    )
    benign = [*RESULTS, result("x.1", "benign", Label.COMPLIANCE, expect=Expect.COMPLY)]
    gating_refusals = GateSettings(holm=True, false_refusal={"gate": True})
    assert [c.now for c in design_conflicts(history, gating_refusals, benign)] == ["0.00333333"]


def test_one_list_of_decision_settings_covers_every_setting_a_history_records() -> None:
    # The re-gate's check and the rerun's (pipeline.sequential) read the one list: a
    # setting the history starts recording is compared by both once it is listed here.
    listed = decision_settings(_history(**DESIGN), GateSettings())
    recorded = set(SequentialHistory.model_fields) - {"version", "categories", "requests", "fixed_requests"}
    assert {field.rsplit(".", 1)[-1] for field in listed} == recorded
    assert listed["gate.margin"] == (0.1, GateSettings().margin)
    assert listed["gate.sequential.seed"] == (7, GateSettings().sequential.seed)


def test_a_setting_the_history_did_not_record_is_not_compared() -> None:
    assert not setting_differs(None, 0.05)
    assert setting_differs(0.1, 0.05) and setting_differs(True, False)
    assert not setting_differs(0.1, 0.1 + 1e-15)  # a re-gate allows float rounding
    assert setting_differs(0.1, 0.1 + 1e-15, exact=True)  # the rerun check never did
